// Tests of the label-selector readers (lib/netpol/selectors.ts): the lenient one the namespace,
// network, secrets and gateway policies use over stack props, and its agreement with the strict
// compiler of the segmentation engine on every valid selector.
import * as assert from "assert";
import fc from "fast-check";
import { compileSelector, requirementsOf, selectorMatches, selectorPins } from "../lib/netpol/selectors";

describe("lib/netpol/selectors", function () {
  it("label selector helpers", function () {
    assert.deepStrictEqual(requirementsOf({ matchLabels: { a: "b" } }), [
      { key: "a", operator: "In", values: ["b"] },
    ]);
    assert.ok(selectorPins({ matchLabels: { a: "b", c: "d" } }, "a", "b"));
    assert.ok(
      !selectorPins({ matchExpressions: [{ key: "a", operator: "In", values: ["b", "x"] }] }, "a", "b"),
    );
  });

  it("selectorMatches: matchLabels and matchExpressions, ANDed", function () {
    const labels = { "ameide.io/tier": "app", "ameide.io/environment": "prod" };
    assert.ok(selectorMatches({ matchLabels: { "ameide.io/tier": "app" } }, labels));
    assert.ok(!selectorMatches({ matchLabels: { "ameide.io/tier": "data" } }, labels));
    assert.ok(selectorMatches({ matchExpressions: [{ key: "x", operator: "DoesNotExist" }] }, labels));
    assert.ok(
      !selectorMatches(
        { matchExpressions: [{ key: "ameide.io/tier", operator: "NotIn", values: ["app"] }] },
        labels,
      ),
    );
    // an operator the API server does not know matches nothing (the strict compiler refuses it)
    assert.ok(!selectorMatches({ matchExpressions: [{ key: "x", operator: "Bogus", values: [] }] }, labels));
  });

  it("the lenient and the strict reader agree on every valid selector", function () {
    const key = fc.constantFrom("a", "b", "c");
    const value = fc.constantFrom("1", "2", "3");
    const expr = fc.oneof(
      fc.record({
        key,
        operator: fc.constantFrom("In", "NotIn"),
        values: fc.array(value, { minLength: 1, maxLength: 2 }),
      }),
      fc.record({ key, operator: fc.constantFrom("Exists", "DoesNotExist") }),
    );
    const selector = fc.record({
      matchLabels: fc.dictionary(key, value, { maxKeys: 2 }),
      matchExpressions: fc.array(expr, { maxLength: 3 }),
    });
    fc.assert(
      fc.property(selector, fc.dictionary(key, value, { maxKeys: 3 }), (sel, labels) => {
        assert.strictEqual(selectorMatches(sel, labels), compileSelector(sel as never).matches(labels));
      }),
    );
  });
});
