/** Where the test fixtures are; no test runner imported, so Playwright and vitest can both use it. */
export const fixtures = new URL('../tests/fixtures/', import.meta.url).pathname;
export const SYNTHEA = `${fixtures}fhir/r4/synthea/`;
export const US_CORE = `${fixtures}fhir/r4/us-core/`;
export const GEOFFREY = `${SYNTHEA}Geoffrey_Abbott_73a7d6b7-0310-4fff-9b0b-7891a5e390f5.json`;
export const DAISEY = `${SYNTHEA}Daisey_Johns_e916a083-8ee6-4df8-acbe-b711fa791253.json`;
export const CATALINA = `${SYNTHEA}Catalina_Cantú_6d9269c0-1338-4f86-b703-31e9305ecbc3.json`;
export const US_CORE_85 = `${US_CORE}uscore_bundle_patient_85.json`;
export const US_CORE_355 = `${US_CORE}uscore_bundle_patient_355.json`;
export const STU3 = `${fixtures}fhir/stu3/`;
export const DSTU2 = `${fixtures}fhir/dstu2/`;
export const IRMGARD_STU3 = `${STU3}synthea/Schumm_Irmgard_61.json`;
export const IRMGARD_DSTU2 = `${DSTU2}synthea/Schumm_Irmgard_61.json`;
export const MATHILDA_DSTU2 = `${DSTU2}synthea/Macejkovic_Mathilda_12.json`;
/** The SMART sample patient with pharmacy fills (STU3): records, and visits with vital signs. */
export const SMART_2502813 = `${STU3}smart/patient-2502813.fhir-bundle.json`;
export const SMART_2502813_VITALS = `${STU3}smart/patient-2502813.fhir-bundle.01.json`;
