import { z } from 'zod';

export const loginTokenResponseSchema = z.object({ url: z.string(), expiresAt: z.string() });
export type LoginTokenResponse = z.infer<typeof loginTokenResponseSchema>;

export const sessionResponseSchema = z.object({ signedIn: z.literal(true), expiresAt: z.string() });
export type SessionResponse = z.infer<typeof sessionResponseSchema>;

export const signOutEverywhereResponseSchema = z.object({ revoked: z.number() });
