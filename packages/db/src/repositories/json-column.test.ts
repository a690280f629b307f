import { describe, expect, it } from "vitest";
import { immutableJson, readJson, writeJson } from "./json-column.ts";

describe("JSON columns", () => {
  it("serializes a registered value once and freezes it all the way down", () => {
    const value = immutableJson({ a: [1, { b: "x" }], c: null });
    expect(writeJson(value)).toBe('{"a":[1,{"b":"x"}],"c":null}');
    expect(Object.isFrozen(value.a[1])).toBe(true);
    expect(() => {
      (value.a as unknown[]).push(2);
    }).toThrow(TypeError);
    expect(writeJson(value)).toBe('{"a":[1,{"b":"x"}],"c":null}');
  });

  it("serializes other values every time, undefined as null", () => {
    const value: { n: number } = { n: 1 };
    expect(writeJson(value)).toBe('{"n":1}');
    value.n = 2;
    expect(writeJson(value)).toBe('{"n":2}');
    expect(writeJson(undefined)).toBe("null");
  });

  it("names the column of a corrupt value", () => {
    expect(() => readJson("{", "sessions.flags")).toThrow(/sessions\.flags/);
  });
});
