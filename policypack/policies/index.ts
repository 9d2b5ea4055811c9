/**
 * Every policy of the pack, one domain per file. Order is the order of the README table.
 */
import type { Policy } from "@pulumi/policy";
import { policies as aks } from "./aks";
import { policies as keyvault } from "./keyvault";
import { policies as authorization } from "./authorization";
import { policies as podSecurity } from "./podSecurity";
import { policies as workloads } from "./workloads";
import { policies as namespaces } from "./namespaces";
import { policies as network } from "./network";
import { policies as allowlists } from "./allowlists";
import { policies as segmentation } from "./segmentation";
import { policies as rbac } from "./rbac";
import { policies as secrets } from "./secrets";
import { policies as gateways } from "./gateways";
import { policies as supplyChain } from "./supplyChain";
import { policies as inventory } from "./inventory";
import { policies as protections } from "./protections";

export const domains: Record<string, Policy[]> = {
  aks,
  keyvault,
  authorization,
  podSecurity,
  workloads,
  namespaces,
  network,
  segmentation,
  rbac,
  secrets,
  gateways,
  supplyChain,
  allowlists,
  inventory,
  protections,
};

export const allPolicies: Policy[] = Object.values(domains).flat();
