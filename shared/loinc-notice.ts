/**
 * The notice the LOINC license (section 10.1) asks the app to show wherever it shows names from
 * its bundled LOINC table (electron/core/records/loinc-names.generated.ts). Kept here, apart from
 * the table, so the window can show it without loading the table.
 */
export const LOINC_NOTICE =
  'This material contains content from LOINC (http://loinc.org). LOINC is copyright © 1995-2024, Regenstrief Institute, Inc. and the Logical Observation Identifiers Names and Codes (LOINC) Committee and is available at no cost under the license at http://loinc.org/license. LOINC® is a registered United States trademark of Regenstrief Institute, Inc.';
