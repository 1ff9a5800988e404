/**
 * Deterministic synthetic FHIR R4 patients for tests and benchmarks.
 *
 * The same seed and size always give byte-identical JSON, on any machine: the only randomness is
 * a 32-bit PRNG, arithmetic stays away from transcendental functions (whose last bits may differ
 * between engines) and no date depends on the clock. The mix of types and the clustering of
 * records into visits follow what a US patient portal export looks like, so the indexes, the
 * full-text index and the JSON sizes are exercised the way real records exercise them.
 */

export type FhirResource = { resourceType: string; id: string; [key: string]: unknown };

export type SyntheticPatientOptions = {
  seed: number;
  /** Total resources including the Patient, so at least 1. */
  resources: number;
  /** Records fall in the `years` before this instant; fixed by default so output never depends on today. */
  end?: string;
  years?: number;
};

export type SyntheticPatient = { patient: FhirResource; resources: FhirResource[] };

/** The share of each resource type among the non-Patient resources, in thousandths. */
export const RESOURCE_MIX = {
  Observation: 500,
  Encounter: 100,
  MedicationRequest: 80,
  DiagnosticReport: 80,
  Condition: 50,
  Procedure: 50,
  DocumentReference: 50,
  Immunization: 40,
  CarePlan: 30,
  AllergyIntolerance: 20,
} as const satisfies Record<string, number>;

export type SyntheticType = keyof typeof RESOURCE_MIX;

/** Within Observations, in thousandths. */
export const OBSERVATION_MIX = { laboratory: 680, 'vital-signs': 280, 'social-history': 40 } as const;

/** A lab that appears about once in 3,000 labs: something to search for that is rarely there. */
export const RARE_LAB_TERM = 'ceruloplasmin';

const DEFAULT_END = '2025-01-01T00:00:00Z';
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Randomness

/** mulberry32: tiny, fast, and good enough for test data; 32 bits of state. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  /** Roughly normal (Irwin–Hall of 4), without Math.log/Math.cos so results are exact everywhere. */
  normal(mean: number, sd: number): number {
    const sum = this.next() + this.next() + this.next() + this.next();
    return mean + (sum - 2) * sd * Math.SQRT1_2 * 1.224744871391589;
  }
  hex(digits: number): string {
    let out = '';
    while (out.length < digits) out += ((this.next() * 0x10000) >>> 0).toString(16).padStart(4, '0');
    return out.slice(0, digits);
  }
}

class Weighted<T> {
  readonly #items: T[] = [];
  readonly #cumulative: number[] = [];
  readonly #total: number;
  constructor(entries: readonly (readonly [T, number])[]) {
    let total = 0;
    for (const [item, weight] of entries) {
      total += weight;
      this.#items.push(item);
      this.#cumulative.push(total);
    }
    this.#total = total;
  }
  pick(random: Random): T {
    const x = random.next() * this.#total;
    // Linear is fine: the longest table has a few dozen entries.
    for (let i = 0; i < this.#cumulative.length; i++) if (x < this.#cumulative[i]!) return this.#items[i]!;
    return this.#items.at(-1)!;
  }
}

/**
 * UUID-shaped ids like most servers hand out. The last group is the resource's index, because
 * 32 bits of PRNG state alone would collide by the million; the random head still scatters the
 * ids across the unique index the way real UUIDs do.
 */
function resourceId(random: Random, index: number): string {
  const tail = index.toString(16).padStart(12, '0');
  return `${random.hex(8)}-${random.hex(4)}-4${random.hex(3)}-${'89ab'[random.int(0, 3)]}${random.hex(3)}-${tail}`;
}

// ---------------------------------------------------------------------------------------------
// Terminology (real codes, so anything that reads codes sees what it would see in the wild)

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const CVX = 'http://hl7.org/fhir/sid/cvx';
const UCUM = 'http://unitsofmeasure.org';
const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';

type Lab = {
  code: string;
  display: string;
  text: string;
  unit: string;
  low?: number;
  high?: number;
  mean: number;
  sd: number;
  decimals: number;
  weight: number;
};

const LABS: readonly Lab[] = [
  {
    code: '2345-7',
    display: 'Glucose [Mass/volume] in Serum or Plasma',
    text: 'Glucose',
    unit: 'mg/dL',
    low: 70,
    high: 99,
    mean: 96,
    sd: 16,
    decimals: 0,
    weight: 60,
  },
  {
    code: '4548-4',
    display: 'Hemoglobin A1c/Hemoglobin.total in Blood',
    text: 'Hemoglobin A1c',
    unit: '%',
    low: 4,
    high: 5.6,
    mean: 5.6,
    sd: 0.7,
    decimals: 1,
    weight: 25,
  },
  {
    code: '2093-3',
    display: 'Cholesterol [Mass/volume] in Serum or Plasma',
    text: 'Cholesterol, total',
    unit: 'mg/dL',
    high: 200,
    mean: 190,
    sd: 30,
    decimals: 0,
    weight: 20,
  },
  {
    code: '2571-8',
    display: 'Triglyceride [Mass/volume] in Serum or Plasma',
    text: 'Triglycerides',
    unit: 'mg/dL',
    high: 150,
    mean: 130,
    sd: 40,
    decimals: 0,
    weight: 20,
  },
  {
    code: '2085-9',
    display: 'Cholesterol in HDL [Mass/volume] in Serum or Plasma',
    text: 'HDL cholesterol',
    unit: 'mg/dL',
    low: 40,
    mean: 52,
    sd: 10,
    decimals: 0,
    weight: 20,
  },
  {
    code: '18262-6',
    display: 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay',
    text: 'LDL cholesterol',
    unit: 'mg/dL',
    high: 130,
    mean: 115,
    sd: 25,
    decimals: 0,
    weight: 20,
  },
  {
    code: '2160-0',
    display: 'Creatinine [Mass/volume] in Serum or Plasma',
    text: 'Creatinine',
    unit: 'mg/dL',
    low: 0.6,
    high: 1.3,
    mean: 0.95,
    sd: 0.2,
    decimals: 2,
    weight: 45,
  },
  {
    code: '3094-0',
    display: 'Urea nitrogen [Mass/volume] in Serum or Plasma',
    text: 'BUN',
    unit: 'mg/dL',
    low: 7,
    high: 20,
    mean: 14,
    sd: 4,
    decimals: 0,
    weight: 45,
  },
  {
    code: '2951-2',
    display: 'Sodium [Moles/volume] in Serum or Plasma',
    text: 'Sodium',
    unit: 'mmol/L',
    low: 135,
    high: 145,
    mean: 140,
    sd: 2.5,
    decimals: 0,
    weight: 45,
  },
  {
    code: '2823-3',
    display: 'Potassium [Moles/volume] in Serum or Plasma',
    text: 'Potassium',
    unit: 'mmol/L',
    low: 3.5,
    high: 5.1,
    mean: 4.2,
    sd: 0.4,
    decimals: 1,
    weight: 45,
  },
  {
    code: '2075-0',
    display: 'Chloride [Moles/volume] in Serum or Plasma',
    text: 'Chloride',
    unit: 'mmol/L',
    low: 98,
    high: 107,
    mean: 102,
    sd: 2.5,
    decimals: 0,
    weight: 45,
  },
  {
    code: '2028-9',
    display: 'Carbon dioxide, total [Moles/volume] in Serum or Plasma',
    text: 'CO2',
    unit: 'mmol/L',
    low: 22,
    high: 29,
    mean: 25.5,
    sd: 2,
    decimals: 0,
    weight: 45,
  },
  {
    code: '17861-6',
    display: 'Calcium [Mass/volume] in Serum or Plasma',
    text: 'Calcium',
    unit: 'mg/dL',
    low: 8.6,
    high: 10.3,
    mean: 9.4,
    sd: 0.4,
    decimals: 1,
    weight: 40,
  },
  {
    code: '1742-6',
    display: 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma',
    text: 'ALT',
    unit: 'U/L',
    low: 7,
    high: 56,
    mean: 28,
    sd: 12,
    decimals: 0,
    weight: 25,
  },
  {
    code: '1920-8',
    display: 'Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma',
    text: 'AST',
    unit: 'U/L',
    low: 10,
    high: 40,
    mean: 24,
    sd: 8,
    decimals: 0,
    weight: 25,
  },
  {
    code: '6768-6',
    display: 'Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma',
    text: 'Alkaline phosphatase',
    unit: 'U/L',
    low: 44,
    high: 147,
    mean: 85,
    sd: 22,
    decimals: 0,
    weight: 25,
  },
  {
    code: '1975-2',
    display: 'Bilirubin.total [Mass/volume] in Serum or Plasma',
    text: 'Bilirubin, total',
    unit: 'mg/dL',
    low: 0.1,
    high: 1.2,
    mean: 0.6,
    sd: 0.25,
    decimals: 1,
    weight: 25,
  },
  {
    code: '2885-2',
    display: 'Protein [Mass/volume] in Serum or Plasma',
    text: 'Protein, total',
    unit: 'g/dL',
    low: 6,
    high: 8.3,
    mean: 7.1,
    sd: 0.5,
    decimals: 1,
    weight: 25,
  },
  {
    code: '1751-7',
    display: 'Albumin [Mass/volume] in Serum or Plasma',
    text: 'Albumin',
    unit: 'g/dL',
    low: 3.5,
    high: 5,
    mean: 4.2,
    sd: 0.35,
    decimals: 1,
    weight: 25,
  },
  {
    code: '33914-3',
    display:
      'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (MDRD)',
    text: 'eGFR',
    unit: 'mL/min/{1.73_m2}',
    low: 60,
    mean: 88,
    sd: 18,
    decimals: 0,
    weight: 30,
  },
  {
    code: '718-7',
    display: 'Hemoglobin [Mass/volume] in Blood',
    text: 'Hemoglobin',
    unit: 'g/dL',
    low: 12,
    high: 17.5,
    mean: 14.3,
    sd: 1.4,
    decimals: 1,
    weight: 35,
  },
  {
    code: '4544-3',
    display: 'Hematocrit [Volume Fraction] of Blood by Automated count',
    text: 'Hematocrit',
    unit: '%',
    low: 36,
    high: 50,
    mean: 42,
    sd: 3.5,
    decimals: 1,
    weight: 35,
  },
  {
    code: '6690-2',
    display: 'Leukocytes [#/volume] in Blood by Automated count',
    text: 'White blood cell count',
    unit: '10*3/uL',
    low: 4.5,
    high: 11,
    mean: 7.2,
    sd: 1.8,
    decimals: 1,
    weight: 35,
  },
  {
    code: '789-8',
    display: 'Erythrocytes [#/volume] in Blood by Automated count',
    text: 'Red blood cell count',
    unit: '10*6/uL',
    low: 4.2,
    high: 5.9,
    mean: 4.9,
    sd: 0.4,
    decimals: 2,
    weight: 35,
  },
  {
    code: '777-3',
    display: 'Platelets [#/volume] in Blood by Automated count',
    text: 'Platelet count',
    unit: '10*3/uL',
    low: 150,
    high: 400,
    mean: 255,
    sd: 55,
    decimals: 0,
    weight: 35,
  },
  {
    code: '787-2',
    display: 'MCV [Entitic volume] by Automated count',
    text: 'MCV',
    unit: 'fL',
    low: 80,
    high: 100,
    mean: 90,
    sd: 5,
    decimals: 1,
    weight: 30,
  },
  {
    code: '3016-3',
    display: 'Thyrotropin [Units/volume] in Serum or Plasma',
    text: 'TSH',
    unit: 'm[IU]/L',
    low: 0.4,
    high: 4,
    mean: 2,
    sd: 0.9,
    decimals: 2,
    weight: 12,
  },
  {
    code: '1989-3',
    display: '25-Hydroxyvitamin D3 [Mass/volume] in Serum or Plasma',
    text: 'Vitamin D, 25-hydroxy',
    unit: 'ng/mL',
    low: 30,
    high: 100,
    mean: 34,
    sd: 10,
    decimals: 0,
    weight: 6,
  },
  {
    code: '2132-9',
    display: 'Cobalamin (Vitamin B12) [Mass/volume] in Serum or Plasma',
    text: 'Vitamin B12',
    unit: 'pg/mL',
    low: 200,
    high: 900,
    mean: 480,
    sd: 150,
    decimals: 0,
    weight: 4,
  },
  {
    code: '2276-4',
    display: 'Ferritin [Mass/volume] in Serum or Plasma',
    text: 'Ferritin',
    unit: 'ng/mL',
    low: 24,
    high: 336,
    mean: 120,
    sd: 70,
    decimals: 0,
    weight: 5,
  },
  {
    code: '14959-1',
    display: 'Microalbumin/Creatinine [Mass Ratio] in Urine',
    text: 'Urine microalbumin/creatinine ratio',
    unit: 'mg/g',
    high: 30,
    mean: 14,
    sd: 9,
    decimals: 1,
    weight: 5,
  },
  {
    code: '5811-5',
    display: 'Specific gravity of Urine by Test strip',
    text: 'Urine specific gravity',
    unit: '{SG}',
    low: 1.005,
    high: 1.03,
    mean: 1.018,
    sd: 0.006,
    decimals: 3,
    weight: 8,
  },
  {
    code: '30522-7',
    display: 'C reactive protein [Mass/volume] in Serum or Plasma by High sensitivity method',
    text: 'hs-CRP',
    unit: 'mg/L',
    high: 3,
    mean: 2,
    sd: 1.5,
    decimals: 1,
    weight: 4,
  },
  {
    code: '6301-6',
    display: 'INR in Platelet poor plasma by Coagulation assay',
    text: 'INR',
    unit: '{INR}',
    low: 0.8,
    high: 1.1,
    mean: 1,
    sd: 0.1,
    decimals: 1,
    weight: 4,
  },
  {
    code: '2064-4',
    display: 'Ceruloplasmin [Mass/volume] in Serum or Plasma',
    text: 'Ceruloplasmin',
    unit: 'mg/dL',
    low: 20,
    high: 35,
    mean: 27,
    sd: 5,
    decimals: 0,
    weight: 0.3,
  },
];

type Vital = {
  code: string;
  display: string;
  unit: string;
  ucum: string;
  mean: number;
  sd: number;
  decimals: number;
  low?: number;
  high?: number;
};

const VITALS = new Weighted<Vital | 'bp'>([
  ['bp', 25],
  [
    {
      code: '8867-4',
      display: 'Heart rate',
      unit: '/min',
      ucum: '/min',
      mean: 74,
      sd: 10,
      decimals: 0,
      low: 60,
      high: 100,
    },
    20,
  ],
  [{ code: '29463-7', display: 'Body weight', unit: 'kg', ucum: 'kg', mean: 82, sd: 4, decimals: 1 }, 15],
  [{ code: '8302-2', display: 'Body height', unit: 'cm', ucum: 'cm', mean: 172, sd: 1, decimals: 1 }, 8],
  [
    {
      code: '39156-5',
      display: 'Body mass index (BMI) [Ratio]',
      unit: 'kg/m2',
      ucum: 'kg/m2',
      mean: 27.5,
      sd: 1.5,
      decimals: 1,
      high: 30,
    },
    12,
  ],
  [
    {
      code: '8310-5',
      display: 'Body temperature',
      unit: 'Cel',
      ucum: 'Cel',
      mean: 36.8,
      sd: 0.4,
      decimals: 1,
      high: 38,
    },
    8,
  ],
  [
    {
      code: '9279-1',
      display: 'Respiratory rate',
      unit: '/min',
      ucum: '/min',
      mean: 15,
      sd: 2,
      decimals: 0,
      low: 12,
      high: 20,
    },
    6,
  ],
  [
    {
      code: '59408-5',
      display: 'Oxygen saturation in Arterial blood by Pulse oximetry',
      unit: '%',
      ucum: '%',
      mean: 97.5,
      sd: 1.2,
      decimals: 0,
      low: 95,
    },
    6,
  ],
]);

const SMOKING = [
  ['266919005', 'Never smoked tobacco'],
  ['8517006', 'Ex-smoker'],
  ['449868002', 'Smokes tobacco daily'],
] as const;

const ENCOUNTER_TYPES = new Weighted([
  [
    {
      cls: 'AMB',
      clsDisplay: 'ambulatory',
      code: '185349003',
      display: 'Encounter for check up',
      text: 'Annual physical',
    },
    30,
  ],
  [
    {
      cls: 'AMB',
      clsDisplay: 'ambulatory',
      code: '185345009',
      display: 'Encounter for symptom',
      text: 'Office visit',
    },
    30,
  ],
  [
    {
      cls: 'AMB',
      clsDisplay: 'ambulatory',
      code: '390906007',
      display: 'Follow-up encounter',
      text: 'Follow-up visit',
    },
    20,
  ],
  [
    {
      cls: 'AMB',
      clsDisplay: 'ambulatory',
      code: '162673000',
      display: 'General examination of patient',
      text: 'Lab visit',
    },
    10,
  ],
  [
    {
      cls: 'EMER',
      clsDisplay: 'emergency',
      code: '50849002',
      display: 'Emergency room admission',
      text: 'Emergency department visit',
    },
    6,
  ],
  [
    {
      cls: 'IMP',
      clsDisplay: 'inpatient encounter',
      code: '183452005',
      display: 'Emergency hospital admission',
      text: 'Hospital stay',
    },
    2,
  ],
  [
    {
      cls: 'VR',
      clsDisplay: 'virtual',
      code: '185317003',
      display: 'Telephone encounter',
      text: 'Video visit',
    },
    2,
  ],
]);

const MEDICATIONS = new Weighted([
  [['314076', 'lisinopril 10 MG Oral Tablet', 'Take 1 tablet by mouth once daily'], 12],
  [['197361', 'amlodipine 5 MG Oral Tablet', 'Take 1 tablet by mouth once daily'], 8],
  [
    [
      '860975',
      '24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet',
      'Take 1 tablet by mouth with evening meal',
    ],
    10,
  ],
  [['617310', 'atorvastatin 20 MG Oral Tablet', 'Take 1 tablet by mouth at bedtime'], 10],
  [['312961', 'simvastatin 20 MG Oral Tablet', 'Take 1 tablet by mouth at bedtime'], 4],
  [['310798', 'hydrochlorothiazide 25 MG Oral Tablet', 'Take 1 tablet by mouth every morning'], 6],
  [
    ['966222', 'levothyroxine sodium 0.075 MG Oral Tablet', 'Take 1 tablet by mouth daily before breakfast'],
    6,
  ],
  [
    ['308182', 'amoxicillin 250 MG Oral Capsule', 'Take 2 capsules by mouth three times daily for 10 days'],
    8,
  ],
  [['197454', 'cephalexin 500 MG Oral Capsule', 'Take 1 capsule by mouth four times daily for 7 days'], 3],
  [
    ['310965', 'ibuprofen 200 MG Oral Tablet', 'Take 1-2 tablets by mouth every 6 hours as needed for pain'],
    7,
  ],
  [['313782', 'acetaminophen 325 MG Oral Tablet', 'Take 2 tablets by mouth every 6 hours as needed'], 6],
  [
    [
      '745679',
      '200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler',
      'Inhale 2 puffs every 4 hours as needed for wheezing',
    ],
    5,
  ],
  [
    [
      '1049221',
      'acetaminophen 325 MG / oxycodone hydrochloride 5 MG Oral Tablet',
      'Take 1 tablet every 6 hours as needed for severe pain',
    ],
    2,
  ],
  [['310325', 'ferrous sulfate 325 MG Oral Tablet', 'Take 1 tablet by mouth daily'], 3],
  [['849574', 'naproxen sodium 220 MG Oral Tablet', 'Take 1 tablet by mouth twice daily with food'], 3],
  [['198211', 'simvastatin 40 MG Oral Tablet', 'Take 1 tablet by mouth at bedtime'], 2],
  [
    [
      '1373463',
      'canagliflozin 100 MG Oral Tablet',
      'Take 1 tablet by mouth before the first meal of the day',
    ],
    2,
  ],
] as const);

const CONDITIONS = new Weighted([
  [
    {
      code: '38341003',
      display: 'Hypertensive disorder, systemic arterial (disorder)',
      text: 'Hypertension',
      icd: 'I10',
      chronic: true,
    },
    10,
  ],
  [
    {
      code: '44054006',
      display: 'Diabetes mellitus type 2 (disorder)',
      text: 'Type 2 diabetes',
      icd: 'E11.9',
      chronic: true,
    },
    6,
  ],
  [
    {
      code: '55822004',
      display: 'Hyperlipidemia (disorder)',
      text: 'High cholesterol',
      icd: 'E78.5',
      chronic: true,
    },
    8,
  ],
  [
    {
      code: '195662009',
      display: 'Acute viral pharyngitis (disorder)',
      text: 'Sore throat',
      icd: 'J02.9',
      chronic: false,
    },
    8,
  ],
  [
    {
      code: '10509002',
      display: 'Acute bronchitis (disorder)',
      text: 'Bronchitis',
      icd: 'J20.9',
      chronic: false,
    },
    6,
  ],
  [
    {
      code: '444814009',
      display: 'Viral sinusitis (disorder)',
      text: 'Sinus infection',
      icd: 'J01.90',
      chronic: false,
    },
    8,
  ],
  [{ code: '195967001', display: 'Asthma (disorder)', text: 'Asthma', icd: 'J45.909', chronic: true }, 3],
  [{ code: '271737000', display: 'Anemia (disorder)', text: 'Anemia', icd: 'D64.9', chronic: false }, 3],
  [
    {
      code: '162864005',
      display: 'Body mass index 30+ - obesity (finding)',
      text: 'Obesity',
      icd: 'E66.9',
      chronic: true,
    },
    4,
  ],
  [
    {
      code: '35489007',
      display: 'Depressive disorder (disorder)',
      text: 'Depression',
      icd: 'F32.A',
      chronic: true,
    },
    3,
  ],
  [
    {
      code: '197480006',
      display: 'Anxiety disorder (disorder)',
      text: 'Anxiety',
      icd: 'F41.9',
      chronic: true,
    },
    3,
  ],
  [
    {
      code: '239873007',
      display: 'Osteoarthritis of knee (disorder)',
      text: 'Knee osteoarthritis',
      icd: 'M17.9',
      chronic: true,
    },
    3,
  ],
  [
    {
      code: '65363002',
      display: 'Otitis media (disorder)',
      text: 'Ear infection',
      icd: 'H66.90',
      chronic: false,
    },
    4,
  ],
  [
    {
      code: '40275004',
      display: 'Contact dermatitis (disorder)',
      text: 'Contact dermatitis',
      icd: 'L25.9',
      chronic: false,
    },
    3,
  ],
  [
    {
      code: '68496003',
      display: 'Polyp of colon (disorder)',
      text: 'Colon polyp',
      icd: 'K63.5',
      chronic: false,
    },
    1,
  ],
  [
    { code: '31541009', display: 'Sarcoidosis (disorder)', text: 'Sarcoidosis', icd: 'D86.9', chronic: true },
    0.1,
  ],
]);

const PROCEDURES = new Weighted([
  [['430193006', 'Medication reconciliation (procedure)'], 12],
  [['171207006', 'Depression screening (procedure)'], 8],
  [['29303009', 'Electrocardiographic procedure'], 6],
  [['399208008', 'Plain X-ray of chest (procedure)'], 6],
  [['127783003', 'Spirometry (procedure)'], 3],
  [['73761001', 'Colonoscopy (procedure)'], 2],
  [['24623002', 'Screening mammography (procedure)'], 3],
  [['90226004', 'Cytopathology procedure, preparation of smear, genital source (procedure)'], 2],
  [['76601001', 'Intramuscular injection (procedure)'], 5],
  [['710824005', 'Assessment of health and social care needs (procedure)'], 6],
  [['80146002', 'Excision of appendix (procedure)'], 0.3],
] as const);

const VACCINES = new Weighted([
  [['140', 'Influenza, seasonal, injectable, preservative free'], 40],
  [['115', 'Tdap'], 5],
  [['113', 'Td (adult) preservative free'], 3],
  [['133', 'Pneumococcal conjugate PCV 13'], 2],
  [['33', 'pneumococcal polysaccharide vaccine, 23 valent'], 2],
  [['187', 'zoster vaccine recombinant'], 2],
  [['43', 'Hep B, adult'], 2],
  [['83', 'Hep A, ped/adol, 2 dose'], 1],
  [['208', 'COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose'], 8],
  [['62', 'HPV, quadrivalent'], 1],
] as const);

const PANELS = new Weighted([
  [{ code: '24323-8', display: 'Comprehensive metabolic 2000 panel - Serum or Plasma', lab: true }, 25],
  [{ code: '58410-2', display: 'CBC panel - Blood by Automated count', lab: true }, 25],
  [{ code: '57698-3', display: 'Lipid panel with direct LDL - Serum or Plasma', lab: true }, 15],
  [{ code: '51990-0', display: 'Basic metabolic panel - Blood', lab: true }, 15],
  [{ code: '24357-6', display: 'Urinalysis macro (dipstick) panel - Urine', lab: true }, 8],
  [{ code: '36643-5', display: 'XR Chest 2 Views', lab: false }, 7],
  [{ code: '24627-2', display: 'CT Chest', lab: false }, 2],
  [{ code: '11525-3', display: 'US Pelvis Fetus for pregnancy', lab: false }, 1],
  [{ code: '24604-1', display: 'MG Breast Diagnostic Limited Views', lab: false }, 2],
]);

const NOTE_TYPES = new Weighted([
  [['11506-3', 'Progress note'], 50],
  [['34117-2', 'History and physical note'], 10],
  [['11488-4', 'Consult note'], 10],
  [['18842-5', 'Discharge summary'], 5],
  [['28570-0', 'Procedure note'], 5],
  [['34109-9', 'Telephone encounter note'], 10],
] as const);

const ALLERGIES = new Weighted([
  [
    {
      code: '91936005',
      display: 'Allergy to penicillin',
      category: 'medication',
      reaction: ['247472004', 'Hives'],
    },
    5,
  ],
  [
    {
      code: '294505008',
      display: 'Allergy to sulfonamide',
      category: 'medication',
      reaction: ['271807003', 'Skin rash'],
    },
    2,
  ],
  [
    {
      code: '91935009',
      display: 'Allergy to peanuts',
      category: 'food',
      reaction: ['39579001', 'Anaphylaxis'],
    },
    2,
  ],
  [{ code: '417532002', display: 'Allergy to fish', category: 'food', reaction: ['247472004', 'Hives'] }, 1],
  [
    {
      code: '300916003',
      display: 'Latex allergy',
      category: 'environment',
      reaction: ['271807003', 'Skin rash'],
    },
    1,
  ],
  [
    {
      code: '232350006',
      display: 'House dust mite allergy',
      category: 'environment',
      reaction: ['49727002', 'Cough'],
    },
    3,
  ],
  [
    {
      code: '418689008',
      display: 'Allergy to grass pollen',
      category: 'environment',
      reaction: ['76067001', 'Sneezing'],
    },
    3,
  ],
  [
    {
      code: '419474003',
      display: 'Allergy to mold',
      category: 'environment',
      reaction: ['267036007', 'Shortness of breath'],
    },
    1,
  ],
] as const);

const CARE_PLANS = new Weighted([
  [
    [
      '698360004',
      'Diabetes self management plan',
      'Keep HbA1c below 7%; check feet daily; walk 30 minutes 5 days a week.',
    ],
    4,
  ],
  [
    [
      '443402002',
      'Lifestyle education regarding hypertension',
      'Limit salt to 2 g a day; home blood pressure log twice a week.',
    ],
    5,
  ],
  [['734163000', 'Care plan', 'Follow up in 3 months with repeat labs.'], 5],
  [['384758001', 'Self-care interventions', 'Rest, fluids, and return if fever persists beyond 3 days.'], 4],
  [
    [
      '91251008',
      'Physical therapy procedure',
      'Physical therapy twice weekly for 6 weeks; home exercise program.',
    ],
    2,
  ],
  [['736376001', 'Infectious disease care plan', 'Complete the full course of antibiotics.'], 3],
  [['718347000', 'Mental health care plan', 'Weekly counseling sessions; reassess PHQ-9 in 8 weeks.'], 2],
] as const);

const PRACTITIONERS = [
  'Dr. Maria Lopez',
  'Dr. James Chen',
  'Dr. Aisha Okafor',
  'Dr. Robert Whitfield',
  'Jennifer Park, NP',
  'Dr. Samuel Nakamura',
  'Dr. Elena Petrova',
  'Michael Ross, PA-C',
];
const ORGANIZATIONS = [
  'Riverside Community Clinic',
  'St. Anne Medical Center',
  'Northgate Family Practice',
  'Lakeview Urgent Care',
  'Metro Health Laboratory',
];
const GIVEN = [
  'Alex',
  'Jordan',
  'Maria',
  'Wei',
  'Fatima',
  'Daniel',
  'Priya',
  'Sofia',
  'Liam',
  'Noah',
  'Grace',
];
const FAMILY = [
  'Rivera',
  'Nguyen',
  'Okafor',
  'Schmidt',
  'Kowalski',
  'Haddad',
  'Johnson',
  'Tanaka',
  'Brennan',
];
const CITIES = [
  ['Springfield', 'IL', '62704'],
  ['Madison', 'WI', '53703'],
  ['Portland', 'OR', '97205'],
  ['Austin', 'TX', '78701'],
  ['Worcester', 'MA', '01608'],
] as const;
const OFFSETS = [-480, -420, -360, -300, -240, 0, 60];

// ---------------------------------------------------------------------------------------------
// Building blocks

function coding(system: string, code: string, display: string) {
  return { system, code, display };
}

function concept(system: string, code: string, display: string, text?: string) {
  return text === undefined
    ? { coding: [coding(system, code, display)] }
    : { coding: [coding(system, code, display)], text };
}

function round(value: number, decimals: number): number {
  return Number(value.toFixed(decimals));
}

function ucumQuantity(value: number, unit: string) {
  return { value, unit, system: UCUM, code: unit };
}

const INTERPRETATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const INTERPRETATIONS = { H: 'High', L: 'Low', N: 'Normal' } as const;

function interpretation(value: number, low: number | undefined, high: number | undefined) {
  const code = high !== undefined && value > high ? 'H' : low !== undefined && value < low ? 'L' : 'N';
  return [
    { coding: [coding(INTERPRETATION_SYSTEM, code, INTERPRETATIONS[code])], text: INTERPRETATIONS[code] },
  ];
}

function referenceRange(unit: string, low: number | undefined, high: number | undefined) {
  const range: Record<string, unknown> = {};
  if (low !== undefined) range.low = ucumQuantity(low, unit);
  if (high !== undefined) range.high = ucumQuantity(high, unit);
  range.text =
    low !== undefined && high !== undefined
      ? `${low}-${high} ${unit}`
      : low !== undefined
        ? `>=${low} ${unit}`
        : `<${high} ${unit}`;
  return [range];
}

/** Base64 without Buffer, so the generator also runs where Buffer does not exist. */
function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += alphabet[(n >> 18) & 63]! + alphabet[(n >> 12) & 63]!;
    out += b === undefined ? '=' : alphabet[(n >> 6) & 63]!;
    out += c === undefined ? '=' : alphabet[n & 63]!;
  }
  return out;
}

type Visit = {
  encounterId: string;
  startMs: number;
  endMs: number;
  practitioner: string;
  organization: string;
  labIds: string[];
};

type Context = {
  random: Random;
  patientRef: { reference: string };
  offsetMinutes: number;
  startMs: number;
  endMs: number;
  visit: Visit;
  conditionIds: string[];
};

/** A FHIR dateTime in the patient's local offset, as servers write them. */
function dateTime(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
  if (offsetMinutes === 0) return `${local}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function instant(ms: number): string {
  return new Date(ms).toISOString();
}

function meta(ctx: Context, ms: number) {
  // Servers stamp records when they were last written, which is some time after the care itself.
  return { versionId: '1', lastUpdated: instant(ms + ctx.random.int(60, 72 * 3600) * 1000) };
}

function duringVisit(ctx: Context): number {
  const { startMs, endMs } = ctx.visit;
  // Whole seconds: clinical systems rarely record finer, and it keeps dates short.
  return startMs + Math.floor(ctx.random.next() * Math.max(1, (endMs - startMs) / 1000)) * 1000;
}

function encounterRef(ctx: Context) {
  return { reference: `Encounter/${ctx.visit.encounterId}` };
}

// ---------------------------------------------------------------------------------------------
// Resources

function patientResource(random: Random, id: string, startMs: number): FhirResource {
  const given = random.pick(GIVEN);
  const family = random.pick(FAMILY);
  const [city, state, zip] = random.pick(CITIES);
  const birthMs = startMs - random.int(25 * 365, 60 * 365) * DAY_MS;
  return {
    resourceType: 'Patient',
    id,
    meta: { versionId: '1', lastUpdated: instant(startMs) },
    identifier: [
      {
        use: 'usual',
        type: concept('http://terminology.hl7.org/CodeSystem/v2-0203', 'MR', 'Medical record number'),
        system: 'urn:oid:2.16.840.1.113883.3.9999.1',
        value: `MRN${random.int(1_000_000, 9_999_999)}`,
      },
    ],
    active: true,
    name: [{ use: 'official', family, given: [given, random.pick(GIVEN)] }],
    telecom: [
      { system: 'phone', value: `555-${random.int(100, 999)}-${random.int(1000, 9999)}`, use: 'home' },
      { system: 'email', value: `${given.toLowerCase()}.${family.toLowerCase()}@example.org` },
    ],
    gender: random.pick(['female', 'male']),
    birthDate: instant(birthMs).slice(0, 10),
    address: [
      {
        use: 'home',
        line: [`${random.int(10, 9999)} ${random.pick(['Oak', 'Elm', 'Maple', 'Cedar'])} St`],
        city,
        state,
        postalCode: zip,
        country: 'US',
      },
    ],
    maritalStatus: concept('http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', 'M', 'Married'),
    communication: [
      {
        language: concept('urn:ietf:bcp:47', 'en-US', 'English (United States)', 'English'),
        preferred: true,
      },
    ],
  };
}

function encounter(ctx: Context, id: string): FhirResource {
  const { random } = ctx;
  const type = ENCOUNTER_TYPES.pick(random);
  // Local office hours: visits start between 07:00 and 18:00 where the patient lives.
  const day = random.int(0, Math.floor((ctx.endMs - ctx.startMs) / DAY_MS) - 1);
  const startMs = ctx.startMs + day * DAY_MS + (random.int(7 * 60, 18 * 60) - ctx.offsetMinutes) * 60_000;
  const minutes =
    type.cls === 'IMP'
      ? random.int(1, 6) * 1440
      : type.cls === 'EMER'
        ? random.int(90, 480)
        : random.int(15, 60);
  const endMs = startMs + minutes * 60_000;
  ctx.visit = {
    encounterId: id,
    startMs,
    endMs,
    practitioner: random.pick(PRACTITIONERS),
    organization: random.pick(ORGANIZATIONS),
    labIds: [],
  };
  const resource: FhirResource = {
    resourceType: 'Encounter',
    id,
    meta: meta(ctx, endMs),
    identifier: [
      { system: 'urn:oid:2.16.840.1.113883.3.9999.2', value: `V${random.int(10_000_000, 99_999_999)}` },
    ],
    status: 'finished',
    class: coding('http://terminology.hl7.org/CodeSystem/v3-ActCode', type.cls, type.clsDisplay),
    type: [concept(SNOMED, type.code, type.display, type.text)],
    subject: ctx.patientRef,
    participant: [
      {
        type: [
          concept('http://terminology.hl7.org/CodeSystem/v3-ParticipationType', 'PPRF', 'primary performer'),
        ],
        individual: { display: ctx.visit.practitioner },
      },
    ],
    period: { start: dateTime(startMs, ctx.offsetMinutes), end: dateTime(endMs, ctx.offsetMinutes) },
  };
  if (ctx.conditionIds.length > 0 && random.chance(0.3)) {
    resource.reasonReference = [{ reference: `Condition/${random.pick(ctx.conditionIds)}` }];
  }
  resource.serviceProvider = { display: ctx.visit.organization };
  return resource;
}

const OBSERVATION_KINDS = new Weighted(Object.entries(OBSERVATION_MIX));
const LAB_TABLE = new Weighted(LABS.map((lab) => [lab, lab.weight] as const));

function observationCategory(code: string, display: string) {
  return [concept('http://terminology.hl7.org/CodeSystem/observation-category', code, display)];
}

function observation(ctx: Context, id: string): FhirResource {
  const { random } = ctx;
  const kind = OBSERVATION_KINDS.pick(random);
  const ms = duringVisit(ctx);
  const base = {
    resourceType: 'Observation',
    id,
    meta: meta(ctx, ms),
    status: 'final',
  };
  if (kind === 'laboratory') {
    const lab = LAB_TABLE.pick(random);
    // One in ten values is drawn wide, so about that many labs fall outside the range.
    const value = round(random.normal(lab.mean, random.chance(0.1) ? lab.sd * 3 : lab.sd), lab.decimals);
    ctx.visit.labIds.push(id);
    return {
      ...base,
      category: observationCategory('laboratory', 'Laboratory'),
      code: concept(LOINC, lab.code, lab.display, lab.text),
      subject: ctx.patientRef,
      encounter: encounterRef(ctx),
      effectiveDateTime: dateTime(ms, ctx.offsetMinutes),
      issued: instant(ms + random.int(2, 48) * 3_600_000),
      performer: [{ display: 'Metro Health Laboratory' }],
      valueQuantity: ucumQuantity(Math.max(0, value), lab.unit),
      interpretation: interpretation(value, lab.low, lab.high),
      referenceRange: referenceRange(lab.unit, lab.low, lab.high),
    };
  }
  if (kind === 'vital-signs') {
    const vital = VITALS.pick(random);
    const common = {
      ...base,
      category: observationCategory('vital-signs', 'Vital Signs'),
    };
    const when = {
      subject: ctx.patientRef,
      encounter: encounterRef(ctx),
      effectiveDateTime: dateTime(ms, ctx.offsetMinutes),
    };
    if (vital === 'bp') {
      const systolic = Math.round(random.normal(124, 14));
      const diastolic = Math.round(random.normal(79, 9));
      return {
        ...common,
        code: concept(LOINC, '85354-9', 'Blood pressure panel with all children optional', 'Blood pressure'),
        ...when,
        interpretation: interpretation(systolic, undefined, 129),
        component: [
          {
            code: concept(LOINC, '8480-6', 'Systolic blood pressure'),
            valueQuantity: ucumQuantity(systolic, 'mm[Hg]'),
          },
          {
            code: concept(LOINC, '8462-4', 'Diastolic blood pressure'),
            valueQuantity: ucumQuantity(diastolic, 'mm[Hg]'),
          },
        ],
      };
    }
    const value = round(random.normal(vital.mean, vital.sd), vital.decimals);
    const resource: FhirResource = {
      ...common,
      code: concept(LOINC, vital.code, vital.display, vital.display),
      ...when,
      valueQuantity: ucumQuantity(value, vital.ucum),
    };
    if (vital.low !== undefined || vital.high !== undefined) {
      resource.interpretation = interpretation(value, vital.low, vital.high);
    }
    return resource;
  }
  const common = {
    ...base,
    category: observationCategory('social-history', 'Social History'),
  };
  if (random.chance(0.7)) {
    const [code, display] = random.pick(SMOKING);
    return {
      ...common,
      code: concept(LOINC, '72166-2', 'Tobacco smoking status', 'Tobacco smoking status'),
      subject: ctx.patientRef,
      encounter: encounterRef(ctx),
      effectiveDateTime: dateTime(ms, ctx.offsetMinutes),
      valueCodeableConcept: concept(SNOMED, code, display, display),
    };
  }
  return {
    ...common,
    code: concept(
      LOINC,
      '11287-0',
      'Alcoholic drinks per drinking day - Reported',
      'Alcoholic drinks per day',
    ),
    subject: ctx.patientRef,
    encounter: encounterRef(ctx),
    effectiveDateTime: dateTime(ms, ctx.offsetMinutes),
    valueQuantity: { value: random.int(0, 4), unit: '/d', system: UCUM, code: '/d' },
  };
}

function medicationRequest(ctx: Context, id: string): FhirResource {
  const { random } = ctx;
  const [code, display, instruction] = MEDICATIONS.pick(random);
  const ms = duringVisit(ctx);
  const resource: FhirResource = {
    resourceType: 'MedicationRequest',
    id,
    meta: meta(ctx, ms),
    status: random.pick(['active', 'completed', 'completed', 'stopped']),
    intent: 'order',
    medicationCodeableConcept: concept(RXNORM, code, display, display),
    subject: ctx.patientRef,
    encounter: encounterRef(ctx),
    authoredOn: dateTime(ms, ctx.offsetMinutes),
    requester: { display: ctx.visit.practitioner },
  };
  if (ctx.conditionIds.length > 0 && random.chance(0.5)) {
    resource.reasonReference = [{ reference: `Condition/${random.pick(ctx.conditionIds)}` }];
  }
  resource.dosageInstruction = [
    {
      sequence: 1,
      text: instruction,
      timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
      route: concept(SNOMED, '26643006', 'Oral route'),
      doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet', system: UCUM, code: '{tbl}' } }],
    },
  ];
  resource.dispenseRequest = {
    numberOfRepeatsAllowed: random.int(0, 5),
    quantity: { value: 30, unit: 'tablet', system: UCUM, code: '{tbl}' },
    expectedSupplyDuration: { value: 30, unit: 'days', system: UCUM, code: 'd' },
  };
  return resource;
}

function condition(ctx: Context, id: string): FhirResource {
  const { random } = ctx;
  const c = CONDITIONS.pick(random);
  const ms = duringVisit(ctx);
  const resolved = !c.chronic && random.chance(0.85);
  const onsetMs = ms - random.int(0, c.chronic ? 400 : 10) * DAY_MS;
  ctx.conditionIds.push(id);
  const resource: FhirResource = {
    resourceType: 'Condition',
    id,
    meta: meta(ctx, ms),
    clinicalStatus: concept(
      'http://terminology.hl7.org/CodeSystem/condition-clinical',
      resolved ? 'resolved' : 'active',
      resolved ? 'Resolved' : 'Active',
    ),
    verificationStatus: concept(
      'http://terminology.hl7.org/CodeSystem/condition-ver-status',
      'confirmed',
      'Confirmed',
    ),
    category: [
      c.chronic
        ? concept(
            'http://terminology.hl7.org/CodeSystem/condition-category',
            'problem-list-item',
            'Problem List Item',
          )
        : concept(
            'http://terminology.hl7.org/CodeSystem/condition-category',
            'encounter-diagnosis',
            'Encounter Diagnosis',
          ),
    ],
    code: { coding: [coding(SNOMED, c.code, c.display), coding(ICD10, c.icd, c.text)], text: c.text },
    subject: ctx.patientRef,
    encounter: encounterRef(ctx),
    onsetDateTime: dateTime(onsetMs, ctx.offsetMinutes),
    recordedDate: dateTime(ms, ctx.offsetMinutes),
  };
  if (resolved) resource.abatementDateTime = dateTime(ms + random.int(5, 30) * DAY_MS, ctx.offsetMinutes);
  return resource;
}

function procedure(ctx: Context, id: string): FhirResource {
  const { random } = ctx;
  const [code, display] = PROCEDURES.pick(random);
  const ms = duringVisit(ctx);
  return {
    resourceType: 'Procedure',
    id,
    meta: meta(ctx, ms),
    status: 'completed',
    code: concept(SNOMED, code, display, display.replace(/ \((procedure)\)$/, '')),
    subject: ctx.patientRef,
    encounter: encounterRef(ctx),
    performedPeriod: {
      start: dateTime(ms, ctx.offsetMinutes),
      end: dateTime(ms + random.int(5, 45) * 60_000, ctx.offsetMinutes),
    },
    performer: [{ actor: { display: ctx.visit.practitioner } }],
    location: { display: ctx.visit.organization },
  };
}

function immunization(ctx: Context, id: string): FhirResource {
  const { random } = ctx;
  const [code, display] = VACCINES.pick(random);
  const ms = duringVisit(ctx);
  return {
    resourceType: 'Immunization',
    id,
    meta: meta(ctx, ms),
    status: 'completed',
    vaccineCode: concept(CVX, code, display, display),
    patient: ctx.patientRef,
    encounter: encounterRef(ctx),
    occurrenceDateTime: dateTime(ms, ctx.offsetMinutes),
    primarySource: true,
    lotNumber: `${random.hex(2).toUpperCase()}${random.int(1000, 9999)}`,
    site: concept('http://terminology.hl7.org/CodeSystem/v3-ActSite', 'LA', 'left arm'),
    route: concept(
      'http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration',
      'IM',
      'Injection, intramuscular',
    ),
    doseQuantity: { value: 0.5, unit: 'mL', system: UCUM, code: 'mL' },
    performer: [{ actor: { display: ctx.visit.practitioner } }],
  };
}

const RADIOLOGY_CONCLUSIONS = [
  'No acute cardiopulmonary abnormality.',
  'Mild degenerative changes. No acute findings.',
  'Stable appearance compared with prior study.',
  'Small nodule, recommend follow-up imaging in 12 months.',
];

function diagnosticReport(ctx: Context, id: string): FhirResource {
  const { random } = ctx;
  const panel = PANELS.pick(random);
  const ms = duringVisit(ctx);
  const resource: FhirResource = {
    resourceType: 'DiagnosticReport',
    id,
    meta: meta(ctx, ms),
    status: 'final',
    category: [
      panel.lab
        ? concept('http://terminology.hl7.org/CodeSystem/v2-0074', 'LAB', 'Laboratory')
        : concept('http://terminology.hl7.org/CodeSystem/v2-0074', 'RAD', 'Radiology'),
    ],
    code: concept(LOINC, panel.code, panel.display, panel.display),
    subject: ctx.patientRef,
    encounter: encounterRef(ctx),
    effectiveDateTime: dateTime(ms, ctx.offsetMinutes),
    issued: instant(ms + random.int(2, 72) * 3_600_000),
    performer: [{ display: panel.lab ? 'Metro Health Laboratory' : ctx.visit.organization }],
  };
  if (panel.lab) {
    const labs = ctx.visit.labIds.slice(-12);
    if (labs.length > 0) resource.result = labs.map((labId) => ({ reference: `Observation/${labId}` }));
  } else {
    resource.conclusion = random.pick(RADIOLOGY_CONCLUSIONS);
  }
  return resource;
}

const COMPLAINTS = [
  'cough for one week',
  'follow-up of blood pressure',
  'annual wellness visit',
  'knee pain',
  'fatigue',
  'sore throat',
];
const PLANS = [
  'Continue current medications. Recheck labs in 3 months.',
  'Start antibiotic course. Return if symptoms worsen.',
  'Lifestyle counseling given. Follow up in 6 months.',
  'Referred to physical therapy.',
];

function documentReference(ctx: Context, id: string): FhirResource {
  const { random } = ctx;
  const [code, display] = NOTE_TYPES.pick(random);
  const ms = duringVisit(ctx);
  const when = dateTime(ms, ctx.offsetMinutes);
  const note = [
    display,
    `Date: ${when.slice(0, 10)}`,
    `Clinician: ${ctx.visit.practitioner}, ${ctx.visit.organization}`,
    '',
    `Chief complaint: ${random.pick(COMPLAINTS)}.`,
    `Vitals: BP ${random.int(105, 150)}/${random.int(65, 95)}, HR ${random.int(55, 100)}, T ${round(random.normal(36.8, 0.3), 1)} C.`,
    `Assessment: patient is ${random.pick(['well appearing', 'in no acute distress', 'tired but alert'])}.`,
    `Plan: ${random.pick(PLANS)}`,
  ].join('\n');
  return {
    resourceType: 'DocumentReference',
    id,
    meta: meta(ctx, ms),
    status: 'current',
    docStatus: 'final',
    type: concept(LOINC, code, display, display),
    category: [
      concept(
        'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
        'clinical-note',
        'Clinical Note',
      ),
    ],
    subject: ctx.patientRef,
    date: instant(ms),
    author: [{ display: ctx.visit.practitioner }],
    custodian: { display: ctx.visit.organization },
    content: [
      {
        attachment: {
          contentType: 'text/plain; charset=utf-8',
          data: base64(note),
          title: display,
          creation: when,
        },
        format: coding(
          'http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode',
          'urn:ihe:iti:xds:2017:mimeTypeSufficient',
          'mimeType Sufficient',
        ),
      },
    ],
    context: {
      encounter: [encounterRef(ctx)],
      period: { start: when, end: dateTime(ctx.visit.endMs, ctx.offsetMinutes) },
    },
  };
}

function allergyIntolerance(ctx: Context, id: string): FhirResource {
  const { random } = ctx;
  const a = ALLERGIES.pick(random);
  const ms = duringVisit(ctx);
  return {
    resourceType: 'AllergyIntolerance',
    id,
    meta: meta(ctx, ms),
    clinicalStatus: concept(
      'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
      'active',
      'Active',
    ),
    verificationStatus: concept(
      'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
      'confirmed',
      'Confirmed',
    ),
    type: 'allergy',
    category: [a.category],
    criticality: a.reaction[0] === '39579001' ? 'high' : 'low',
    code: concept(SNOMED, a.code, a.display, a.display),
    patient: ctx.patientRef,
    encounter: encounterRef(ctx),
    recordedDate: dateTime(ms, ctx.offsetMinutes),
    recorder: { display: ctx.visit.practitioner },
    reaction: [
      {
        manifestation: [concept(SNOMED, a.reaction[0], a.reaction[1], a.reaction[1])],
        severity: a.reaction[0] === '39579001' ? 'severe' : random.pick(['mild', 'moderate']),
      },
    ],
  };
}

function carePlan(ctx: Context, id: string): FhirResource {
  const { random } = ctx;
  const [code, display, description] = CARE_PLANS.pick(random);
  const ms = duringVisit(ctx);
  const completed = random.chance(0.6);
  const resource: FhirResource = {
    resourceType: 'CarePlan',
    id,
    meta: meta(ctx, ms),
    status: completed ? 'completed' : 'active',
    intent: 'plan',
    category: [
      concept(
        'http://hl7.org/fhir/us/core/CodeSystem/careplan-category',
        'assess-plan',
        'Assessment and Plan of Treatment',
      ),
      concept(SNOMED, code, display, display),
    ],
    title: display,
    description,
    subject: ctx.patientRef,
    encounter: encounterRef(ctx),
    period: completed
      ? {
          start: dateTime(ms, ctx.offsetMinutes),
          end: dateTime(ms + random.int(14, 180) * DAY_MS, ctx.offsetMinutes),
        }
      : { start: dateTime(ms, ctx.offsetMinutes) },
    author: { display: ctx.visit.practitioner },
  };
  if (ctx.conditionIds.length > 0)
    resource.addresses = [{ reference: `Condition/${random.pick(ctx.conditionIds)}` }];
  resource.activity = [
    {
      detail: {
        code: concept(SNOMED, code, display),
        status: completed ? 'completed' : 'in-progress',
        description,
      },
    },
  ];
  return resource;
}

const BUILDERS: Record<SyntheticType, (ctx: Context, id: string) => FhirResource> = {
  Observation: observation,
  Encounter: encounter,
  MedicationRequest: medicationRequest,
  DiagnosticReport: diagnosticReport,
  Condition: condition,
  Procedure: procedure,
  DocumentReference: documentReference,
  Immunization: immunization,
  CarePlan: carePlan,
  AllergyIntolerance: allergyIntolerance,
};

const TYPE_TABLE = new Weighted(Object.entries(RESOURCE_MIX) as [SyntheticType, number][]);

// ---------------------------------------------------------------------------------------------
// Public API

function checkOptions(options: SyntheticPatientOptions): { startMs: number; endMs: number } {
  if (!Number.isInteger(options.resources) || options.resources < 1) {
    throw new RangeError('resources must be an integer of at least 1 (the Patient)');
  }
  if (!Number.isInteger(options.seed)) throw new RangeError('seed must be an integer');
  const endMs = Date.parse(options.end ?? DEFAULT_END);
  if (Number.isNaN(endMs)) throw new RangeError('end must be an ISO date');
  const years = options.years ?? 20;
  return { startMs: endMs - Math.round(years * 365.25) * DAY_MS, endMs };
}

/**
 * The patient's resources one at a time, Patient first, so a million need no more memory than one.
 * Records come in visits: an Encounter, then the labs, vitals, orders and notes made during it,
 * each dated inside the visit; visits themselves fall anywhere in the window, in no order, the
 * way a server returns them.
 */
export function* syntheticResources(
  options: SyntheticPatientOptions,
): Generator<FhirResource, void, undefined> {
  const { startMs, endMs } = checkOptions(options);
  const random = new Random(options.seed);
  const patientId = resourceId(random, 0);
  yield patientResource(random, patientId, startMs);
  const ctx: Context = {
    random,
    patientRef: { reference: `Patient/${patientId}` },
    offsetMinutes: random.pick(OFFSETS),
    startMs,
    endMs,
    visit: { encounterId: '', startMs, endMs: startMs, practitioner: '', organization: '', labIds: [] },
    conditionIds: [],
  };
  for (let i = 1; i < options.resources; i++) {
    // Every record needs a visit to belong to, so the first one opens a visit.
    const type = i === 1 ? 'Encounter' : TYPE_TABLE.pick(random);
    yield BUILDERS[type](ctx, resourceId(random, i));
    // Only the most recent problems are offered as reasons, so memory stays flat at any size.
    if (ctx.conditionIds.length > 64) ctx.conditionIds.splice(0, 32);
  }
}

/** The same resources in batches, for feeding a store a transaction at a time. */
export function* syntheticBatches(
  options: SyntheticPatientOptions,
  batchSize: number,
): Generator<FhirResource[]> {
  let batch: FhirResource[] = [];
  for (const resource of syntheticResources(options)) {
    batch.push(resource);
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** A whole patient in memory: the Patient and `resources - 1` others. */
export function generatePatient(options: SyntheticPatientOptions): SyntheticPatient {
  const [patient, ...resources] = syntheticResources(options);
  return { patient: patient!, resources };
}
