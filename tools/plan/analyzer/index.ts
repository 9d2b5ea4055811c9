/** The analyzer conversation with a policy pack (see client.ts). */
export * from "./client";
