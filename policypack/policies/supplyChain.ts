import type { Policy } from "@pulumi/policy";

/** Policies of this domain (filled in by its own change). */
export const policies: Policy[] = [];
