/**
 * Issue 19, class 6: the protections a stack must contain. The stack's policy config lists them
 * (`requiredProtections`, generated from the stack config and data/ by
 * tools/gate/requiredProtections.ts and kept in step by test/gateProtections.test.ts); each is a
 * named predicate over the stack's resources (lib/protections.ts). A stack config change that drops a
 * section (the legacy namespace, a tier, an environment, the admin gateway's client certificates)
 * drops the resources, and the policies that judge them have nothing left to refuse; this one
 * refuses the stack, naming the protection and the config that declared it.
 */
import type { Policy } from "@pulumi/policy";
import { CONTROLS, stackPolicy } from "../lib/kit";
import { gateMessage } from "../lib/gate";
import { missingParts, PROTECTION_KINDS, protectionId, RequiredProtection } from "../lib/protections";

export const PROTECTIONS_POLICY = "stack-required-protections";

/** Problems of the `requiredProtections` config itself. */
export function requiredProtectionProblems(list: unknown): string[] {
  const key = `${PROTECTIONS_POLICY}.requiredProtections`;
  if (!Array.isArray(list) || list.length === 0)
    return [
      `${key} is ${list === undefined ? "missing" : "empty"}: every stack names the protections it must contain. Generate them: node -r ./tools/register.js tools/gate/requiredProtections.ts --write`,
    ];
  const problems: string[] = [];
  list.forEach((p: any, i: number) => {
    if (!(PROTECTION_KINDS as readonly string[]).includes(p?.kind))
      problems.push(
        `${key}[${i}].kind ${JSON.stringify(p?.kind)} is not one of ${PROTECTION_KINDS.join(", ")}`,
      );
    if (typeof p?.target !== "string" || p.target === "")
      problems.push(`${key}[${i}].target must name what is protected`);
    if (typeof p?.declaredBy !== "string" || p.declaredBy === "")
      problems.push(`${key}[${i}].declaredBy must name the stack config that declares it`);
  });
  return problems;
}

export const stackRequiredProtections = stackPolicy(
  {
    name: PROTECTIONS_POLICY,
    description:
      "The stack contains every protection its policy config requires (KMS, audit logs, each tier namespace's hardening, secret stores, gateway security policies), so removing a section of stack config cannot silently remove them.",
    severity: "critical",
    controls: [
      CONTROLS.platform("issue 19 class 6: protections the stack stops declaring"),
      CONTROLS.azureBaseline("PV-1"),
    ],
    remediationSteps:
      "Restore the stack config that declared the protection (the message names it). If the protection is removed on purpose, regenerate the list with `node -r ./tools/register.js tools/gate/requiredProtections.ts --write` and have security review the change to policypack/config/<stack>.json in the same pull request.",
    config: {
      requiredProtections: {
        type: "array",
        items: {
          type: "object",
          properties: {
            kind: { type: "string", enum: [...PROTECTION_KINDS] },
            target: { type: "string" },
            declaredBy: { type: "string" },
          },
          required: ["kind", "target", "declaredBy"],
        },
        description: "The protections the stack must contain (tools/gate/requiredProtections.ts).",
      },
    },
  },
  (args, report) => {
    const list = args.getConfig<{ requiredProtections?: RequiredProtection[] }>().requiredProtections;
    const problems = requiredProtectionProblems(list);
    for (const p of problems) report(gateMessage(6, "policy config", p));
    if (problems.length > 0) return;
    for (const p of list!) {
      const missing = missingParts(p, args.resources);
      if (missing.length === 0) continue;
      report(
        gateMessage(
          6,
          `protection ${protectionId(p)}`,
          `the stack no longer contains it (${missing.join("; ")}). It is declared by ${p.declaredBy}: restore that config, or if the protection goes on purpose, regenerate ${PROTECTIONS_POLICY}.requiredProtections (tools/gate/requiredProtections.ts --write) and have security review the policy config change.`,
        ),
      );
    }
  },
);

export const policies: Policy[] = [stackRequiredProtections];
