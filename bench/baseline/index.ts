// Baseline for the type-check benchmark: a bare program importing the same SDK modules as the
// project, and nothing else.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as monitor from "@pulumi/azure-native/monitor";
import * as network from "@pulumi/azure-native/network";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as resources from "@pulumi/azure-native/resources";
import * as policy from "@pulumi/policy";

export const modules = [
  pulumi,
  k8s,
  authorization,
  containerservice,
  keyvault,
  managedidentity,
  monitor,
  network,
  operationalinsights,
  privatedns,
  resources,
  policy,
];
