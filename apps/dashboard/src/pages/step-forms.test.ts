import { describe, expect, it } from "vitest";
import { optionsText, parseOptions, stepProblem } from "./step-forms.ts";

describe("builder step forms", () => {
  it("checks a step with begin/'s own rules and names what is wrong", () => {
    const questionnaire = (questions: unknown[]) => ({
      type: "user-questionnaire",
      flags: { key: "funds", questions },
    });
    expect(stepProblem(questionnaire([{ key: "a", type: "yes-no" }]), 0)).toBeNull();
    expect(stepProblem(questionnaire([{ key: "a", type: "single-choice" }]), 2)).toBe(
      "step 2 question a: options are required",
    );
    expect(
      stepProblem(
        questionnaire([
          { key: "b", type: "text", when: { question: "a", equals: true } },
          { key: "a", type: "yes-no" },
        ]),
        0,
      ),
    ).toBe("step 0 question b: a condition may only name an earlier question");
    expect(stepProblem({ type: "beneficiaries", flags: { min: 3, max: 2 } }, 1)).toBe(
      "step 1: min/max beneficiaries out of range (1–25)",
    );
    expect(stepProblem({ type: "company-data", flags: { fields: ["company_name", "vat"] } }, 0)).toMatch(
      /^step 0: fields must list fields among/,
    );
    expect(stepProblem({ type: "language", flags: { languages: [] } }, 0)).toBe(
      "step 0: choose at least one language",
    );
    expect(stepProblem({ type: "email", flags: {} }, 0)).toBeNull();
  });

  it("edits options as lines (value = English label), keeping the other languages' labels", () => {
    const before = [{ value: "salary", label: { en: "Salary", ka: "ხელფასი" } }, { value: "gift" }];
    expect(optionsText(before)).toBe("salary = Salary\ngift");
    expect(parseOptions("salary = Wages\n gift = A gift \n\nloan", before)).toEqual([
      { value: "salary", label: { en: "Wages", ka: "ხელფასი" } },
      { value: "gift", label: { en: "A gift" } },
      { value: "loan" },
    ]);
    // Removing the English label keeps the Georgian one.
    expect(parseOptions("salary", before)).toEqual([{ value: "salary", label: { ka: "ხელფასი" } }]);
  });
});
