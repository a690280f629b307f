import { describe, expect, it } from "vitest";
import { answerOf, labelOf, type QuestionnaireDef, questionOfError, visibleQuestions } from "./step-forms.ts";

const def: QuestionnaireDef = {
  key: "q",
  title: null,
  questions: [
    { key: "pep", type: "yes-no", required: true },
    { key: "role", type: "text", required: true, when: { question: "pep", equals: true } },
    { key: "tenure", type: "number", required: false, when: { question: "role", answered: true } },
    {
      key: "sources",
      type: "multiple-choice",
      required: false,
      options: [{ value: "gift" }, { value: "salary" }],
    },
    { key: "donor", type: "text", required: true, when: { question: "sources", in: ["gift"] } },
  ],
};

describe("questionnaire form", () => {
  it("shows conditional questions only while their condition holds, chained", () => {
    expect(visibleQuestions(def, {})).toEqual(["pep", "sources"]);
    expect(visibleQuestions(def, { pep: true })).toEqual(["pep", "role", "sources"]);
    expect(visibleQuestions(def, { pep: true, role: "MP" })).toEqual(["pep", "role", "tenure", "sources"]);
    // A hidden question's answer does not open the ones that depend on it.
    expect(visibleQuestions(def, { pep: false, role: "MP" })).toEqual(["pep", "sources"]);
    expect(visibleQuestions(def, { sources: ["salary", "gift"] })).toEqual(["pep", "sources", "donor"]);
  });

  it("reads raw values as typed answers", () => {
    const [pep, , tenure, sources] = def.questions;
    if (!pep || !tenure || !sources) throw new Error("questions");
    expect(answerOf(pep, "yes")).toBe(true);
    expect(answerOf(pep, "no")).toBe(false);
    expect(answerOf(tenure, " 12 ")).toBe(12);
    expect(answerOf(tenure, "")).toBeUndefined();
    expect(answerOf(sources, [])).toBeUndefined();
    expect(answerOf(sources, ["gift"])).toEqual(["gift"]);
  });

  it("picks labels by language with English and the key as fallbacks; maps errors to questions", () => {
    expect(labelOf({ en: "Name", ka: "სახელი" }, "ka", "name")).toBe("სახელი");
    expect(labelOf({ en: "Name" }, "ru", "name")).toBe("Name");
    expect(labelOf({ gr: "Όνομα" }, "el", "name")).toBe("Όνομα");
    expect(labelOf(undefined, "en", "name")).toBe("name");
    expect(questionOfError("role: an answer is required", ["pep", "role"])).toBe("role");
    expect(questionOfError("answers must be an object", ["pep"])).toBeNull();
  });
});
