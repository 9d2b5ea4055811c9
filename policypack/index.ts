/**
 * The policy pack. This file only constructs the PolicyPack; policies live one domain per file in
 * policies/, pure helpers in lib/. Run with:
 *   pulumi preview --policy-pack policypack --policy-pack-config policypack/config/<stack>.json
 */
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./policies";

new PolicyPack("ameide-platform-guardrails", {
  description:
    "Guard rails of the Ameide AKS platform: Pod Security Standards, AKS and Key Vault hardening, RBAC, segmentation, secrets and gateways.",
  enforcementLevel: "mandatory",
  policies: allPolicies,
});
