import { describe, expect, it } from "vitest";
import { AppError } from "../errors/index.ts";
import { buildSessionResult } from "../result/session-result.ts";
import { parseSteps } from "./session-steps.ts";
import {
  beneficiariesSpecOf,
  companyDataSpecOf,
  normaliseEmail,
  normalisePhone,
  parseGeolocation,
  questionnaireOf,
  validateAnswers,
  validateBeneficiaries,
  validateCompanyData,
} from "./step-catalogue.ts";

function code(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof AppError) return `${err.code}: ${err.publicMessage}`;
    throw err;
  }
  return "no error";
}

const questionnaire = questionnaireOf(
  {
    type: "user-questionnaire",
    flags: {},
    key: "source-of-funds",
    questions: [
      { key: "employed", type: "yes_no", required: true, label: { en: "Employed?", ka: "დასაქმებული?" } },
      { key: "employer", type: "text", required: true, when: { question: "employed", equals: true } },
      { key: "income", type: "number", min: 0, max: 1_000_000 },
      { key: "since", type: "date" },
      {
        key: "sources",
        type: "multiple-choice",
        options: [{ value: "salary" }, { value: "savings" }, { value: "gift" }],
        max: 2,
      },
      { key: "gift_from", type: "text", required: true, when: { question: "sources", in: ["gift"] } },
      { key: "payslip", type: "file" },
    ],
  },
  0,
);

describe("questionnaires", () => {
  it("validates answers by type and drops questions whose condition does not hold", () => {
    const out = validateAnswers(
      questionnaire,
      {
        employed: false,
        employer: "ignored",
        income: "1200",
        since: "2020-02-29",
        sources: ["salary", "salary"],
      },
      () => false,
    );
    expect(out).toEqual([
      { key: "employed", answer: false },
      { key: "income", answer: 1200 },
      { key: "since", answer: "2020-02-29" },
      { key: "sources", answer: ["salary"] },
    ]);
  });

  it("requires a conditional question once its condition holds", () => {
    expect(code(() => validateAnswers(questionnaire, { employed: true }))).toBe(
      "QUESTIONNAIRE_ANSWER_MISSING: employer: an answer is required",
    );
    expect(code(() => validateAnswers(questionnaire, { employed: true, employer: "   " }))).toMatch(
      /^QUESTIONNAIRE_ANSWER_MISSING: employer/,
    );
    expect(code(() => validateAnswers(questionnaire, { employed: false, sources: ["gift"] }))).toMatch(
      /^QUESTIONNAIRE_ANSWER_MISSING: gift_from/,
    );
  });

  it("refuses answers that do not fit, unknown keys and files of other sessions", () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ employed: "yes" }, /employed: must be true or false/],
      [{ employed: false, income: -1 }, /income: must be at least 0/],
      [{ employed: false, since: "2021-02-29" }, /since: is not a calendar date/],
      [{ employed: false, sources: ["salary", "lottery"] }, /sources: must be a list of the options/],
      [
        { employed: false, sources: ["salary", "savings", "gift"], gift_from: "x" },
        /sources: choose at most 2/,
      ],
      [{ employed: false, payslip: { file: "other" } }, /payslip: must name a file/],
      [{ employed: false, favourite: "x" }, /favourite: no such question/],
    ];
    for (const [answers, message] of bad) {
      expect(code(() => validateAnswers(questionnaire, answers, (id) => id === "mine"))).toMatch(message);
    }
    expect(
      validateAnswers(questionnaire, { employed: false, payslip: "mine" }, (id) => id === "mine").at(-1),
    ).toEqual({ key: "payslip", answer: { file: "mine" } });
  });

  it("checks definitions at begin: choices need options, conditions name earlier questions", () => {
    expect(
      code(() =>
        parseSteps([{ type: "user-questionnaire", questions: [{ key: "a", type: "single-choice" }] }]),
      ),
    ).toMatch(/^STEP_INVALID: step 0 question a: options are required/);
    expect(
      code(() =>
        parseSteps([
          {
            type: "user-questionnaire",
            questions: [
              { key: "a", type: "text", when: { question: "b", equals: "x" } },
              { key: "b", type: "text" },
            ],
          },
        ]),
      ),
    ).toMatch(/a condition may only name an earlier question/);
    expect(
      code(() => parseSteps([{ type: "user-questionnaire", questions: [{ key: "a", type: "colour" }] }])),
    ).toMatch(/^STEP_INVALID/);
  });
});

describe("contact values", () => {
  it("normalises phone numbers to E.164 and e-mail domains to lower case", () => {
    expect(normalisePhone("+995 (555) 12-34-56")).toBe("+995555123456");
    expect(normalisePhone("00995555123456")).toBe("+995555123456");
    expect(code(() => normalisePhone("555 1234"))).toMatch(/^OTP_DESTINATION_INVALID/);
    expect(normaliseEmail(" Nino.B@Example.GE ")).toBe("Nino.B@example.ge");
    for (const bad of ["nino", "a@b", "a@@b.ge", "a b@c.ge", "a..b@c.ge", 42]) {
      expect(code(() => normaliseEmail(bad))).toMatch(/^OTP_DESTINATION_INVALID/);
    }
  });

  it("puts verified contact values into person and KYB data into the result", () => {
    const r = buildSessionResult({
      token: "t",
      status: "in_progress",
      configId: null,
      resultComment: "",
      technical: {},
      verification: {
        person: { first_name: "NINO", email: "from-document@x.ge" },
        contact: { email: "nino@example.ge", phone: "+995555123456" },
        company: { fields: { company_name: "Acme" }, documents: [] },
      },
    });
    expect(r.person).toEqual({ first_name: "NINO", email: "nino@example.ge", phone: "+995555123456" });
    expect(r.company_data?.fields.company_name).toBe("Acme");
    expect(r.beneficiaries).toBeUndefined();
  });
});

describe("geolocation input", () => {
  it("takes a position with consent and a refusal without one", () => {
    expect(parseGeolocation({ consent: true, latitude: 41.7, longitude: 44.8, accuracy: 20 })).toMatchObject({
      latitude: 41.7,
    });
    expect(parseGeolocation({ consent: false, error: "denied" })).toEqual({
      consent: false,
      error: "denied",
    });
    expect(code(() => parseGeolocation({ consent: true, latitude: 91, longitude: 0 }))).toMatch(
      /^GEOLOCATION_INVALID: latitude/,
    );
    expect(code(() => parseGeolocation({ consent: true, latitude: 41 }))).toMatch(/go together/);
  });
});

describe("KYB", () => {
  const spec = companyDataSpecOf(
    {
      type: "company-data",
      flags: {
        fields: ["company_name", "registration_number", "country", "website"],
        required_fields: ["company_name", "country"],
        min_documents: 1,
      },
    },
    0,
  );

  it("collects the chosen company fields and at least the required documents", () => {
    const data = validateCompanyData(
      spec,
      {
        fields: { company_name: " Acme LLC ", country: "geo", registration_number: "" },
        documents: ["d1", "d1"],
      },
      (id) => id === "d1",
    );
    expect(data).toEqual({ fields: { company_name: "Acme LLC", country: "GEO" }, documents: ["d1"] });
    expect(
      code(() => validateCompanyData(spec, { fields: { country: "GE" }, documents: ["d1"] }, () => true)),
    ).toBe("COMPANY_DATA_INVALID: company_name: required");
    expect(
      code(() => validateCompanyData(spec, { fields: { company_name: "A", country: "GE" } }, () => true)),
    ).toMatch(/documents: at least 1/);
    expect(
      code(() =>
        validateCompanyData(
          spec,
          { fields: { company_name: "A", country: "GE", tax_number: "1" }, documents: ["d1"] },
          () => true,
        ),
      ),
    ).toMatch(/tax_number: not asked for/);
  });

  it("checks beneficiaries: a way to reach each, shares for owners, shares ≤ 100 %", () => {
    const bspec = beneficiariesSpecOf({ type: "beneficiaries", flags: { min: 1, max: 3 } }, 0);
    const ok = validateBeneficiaries(bspec, [
      {
        first_name: "Nino",
        last_name: "B",
        roles: ["owner", "director"],
        share: 60,
        email: "nino@example.ge",
      },
      {
        first_name: "Giorgi",
        last_name: "K",
        roles: ["owner"],
        share: 40,
        phone: "+995 555 000 111",
        required: false,
      },
    ]);
    expect(ok.map((b) => [b.sendVia, b.required])).toEqual([
      ["email", true],
      ["sms", false],
    ]);
    const bad: [unknown, RegExp][] = [
      [[], /between 1 and 3/],
      [[{ first_name: "A", last_name: "B", roles: ["director"] }], /person 1: an e-mail or a phone/],
      [
        [{ first_name: "A", last_name: "B", roles: ["owner"], email: "a@b.ge" }],
        /owners and shareholders need a share/,
      ],
      [
        [
          { first_name: "A", last_name: "B", roles: ["owner"], share: 70, email: "a@b.ge" },
          { first_name: "C", last_name: "D", roles: ["owner"], share: 40, email: "c@d.ge" },
        ],
        /more than 100%/,
      ],
      [
        [{ first_name: "A", last_name: "B", roles: ["king"], email: "a@b.ge" }],
        /^BENEFICIARIES_INVALID: person 1: roles/,
      ],
    ];
    for (const [input, message] of bad)
      expect(code(() => validateBeneficiaries(bspec, input))).toMatch(message);
  });
});
