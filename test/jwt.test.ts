/**
 * Item 6 of issue 14: a JWT provider that accepts real Entra ID tokens. v2.0 access tokens carry the
 * API's client ID (GUID) in `aud` (learn.microsoft.com/entra/identity-platform/access-token-claims-reference).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig } from "../lib/config";
import { ConfigError, ConfigErrors } from "../lib/validate";
import { PROJECT_DIR, programConfig, STACKS } from "./helpers/stack";

const TENANT = "0f3a9c2e-5b7d-4e1f-9a2b-6c8d0e1f2a3b";
const OTHER = "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b";
const API = "2b4d6f80-1a3c-4e5f-8071-92a3b4c5d6e7";
const V2 = `https://login.microsoftonline.com/${TENANT}/v2.0`;
const V2_KEYS = `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`;
const V1 = `https://sts.windows.net/${TENANT}/`;
const V1_KEYS = `https://login.microsoftonline.com/${TENANT}/discovery/keys`;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

function parseJwt(stack: string, jwt: Record<string, unknown>) {
  const c = clone(programConfig(stack)) as any;
  c.gateways.jwt = { ...c.gateways.jwt, ...jwt };
  return parseConfig(c, "ameide-platform", stack);
}

function refuses(stack: string, jwt: Record<string, unknown>, key: string, text?: RegExp) {
  assert.throws(
    () => parseJwt(stack, jwt),
    (e: unknown) => {
      assert.ok(e instanceof ConfigErrors || e instanceof ConfigError, `expected a config error, got ${e}`);
      const msg = (e as Error).message;
      assert.ok(msg.includes(`'${key}'`), `message should name ${key}: ${msg}`);
      assert.ok(msg.includes("Fix:"), msg);
      if (text) assert.match(msg, text);
      return true;
    },
  );
}

describe("gateways.jwt: Entra ID token versions", () => {
  for (const stack of STACKS) {
    it(`regression (issue 14 item 6): the ${stack} stack's former pairing, a v2.0 issuer with an api:// audience, is refused`, () => {
      refuses(
        stack,
        {
          issuer: V2,
          jwksUri: V2_KEYS,
          audiences: [stack === "prod" ? "api://ameide-api" : "api://ameide-api-dev"],
        },
        "gateways.jwt.audiences[0]",
        /client ID \(a GUID\), never an App ID URI/,
      );
    });

    it(`the ${stack} stack pairs its v2.0 issuer with GUID audiences and the tenant's v2.0 keys`, () => {
      const jwt = parseJwt(stack, {}).gateways.jwt;
      const tenant = /^https:\/\/login\.microsoftonline\.com\/([^/]+)\/v2\.0$/.exec(jwt.issuer)?.[1];
      assert.ok(tenant, jwt.issuer);
      assert.equal(jwt.jwksUri, `https://login.microsoftonline.com/${tenant}/discovery/v2.0/keys`);
      for (const a of jwt.audiences)
        assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(jwt.clientIdClaim, "azp");
    });
  }

  it("accepts v2.0 + client ID, and v1.0 with either the App ID URI or the client ID", () => {
    assert.ok(parseJwt("dev", { issuer: V2, jwksUri: V2_KEYS, audiences: [API] }));
    assert.ok(
      parseJwt("dev", {
        issuer: V1,
        jwksUri: V1_KEYS,
        audiences: ["api://ameide-api"],
        clientIdClaim: "appid",
      }),
    );
    assert.ok(parseJwt("dev", { issuer: V1, jwksUri: V1_KEYS, audiences: [API], clientIdClaim: "appid" }));
  });

  it("the client-ID claim matches the token version (azp only in v2.0, appid only in v1.0)", () => {
    refuses(
      "dev",
      { issuer: V1, jwksUri: V1_KEYS, audiences: [API], clientIdClaim: "azp" },
      "gateways.jwt.clientIdClaim",
      /only present in v2\.0/,
    );
    refuses(
      "dev",
      { issuer: V2, jwksUri: V2_KEYS, audiences: [API], clientIdClaim: "appid" },
      "gateways.jwt.clientIdClaim",
      /only present in v1\.0/,
    );
  });

  it("jwksUri serves the issuer's tenant and version", () => {
    const otherTenant = `https://login.microsoftonline.com/${OTHER}/discovery/v2.0/keys`;
    refuses(
      "dev",
      { issuer: V2, jwksUri: otherTenant, audiences: [API] },
      "gateways.jwt.jwksUri",
      new RegExp(`set it to ${V2_KEYS}`),
    );
    refuses(
      "dev",
      { issuer: V2, jwksUri: V1_KEYS, audiences: [API] },
      "gateways.jwt.jwksUri",
      /v2\.0 issuer/,
    );
    refuses(
      "dev",
      { issuer: V1, jwksUri: V2_KEYS, audiences: [API], clientIdClaim: "appid" },
      "gateways.jwt.jwksUri",
      /v1\.0 issuer/,
    );
  });

  it("Entra issuers name a tenant ID; other identity providers are not checked", () => {
    refuses(
      "dev",
      { issuer: "https://login.microsoftonline.com/common/v2.0", audiences: [API] },
      "gateways.jwt.issuer",
    );
    refuses(
      "dev",
      { issuer: `https://login.microsoftonline.com/${TENANT}/`, audiences: [API] },
      "gateways.jwt.issuer",
    );
    assert.ok(
      parseJwt("dev", {
        issuer: "https://auth.example.com/realms/ameide",
        jwksUri: "https://auth.example.com/realms/ameide/protocol/openid-connect/certs",
        audiences: ["ameide-api"],
      }),
    );
  });

  it("the README's JWT sample pairs the v2.0 issuer with a client ID", () => {
    const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
    assert.doesNotMatch(readme, /audiences: \[api:\/\//);
  });
});
