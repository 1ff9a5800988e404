import { z } from 'zod';

/**
 * Files brought in by the person: the formats the one way in recognises from a file's content.
 * The command line's `import --json` and the window's import answers name them the same way.
 */
export const FileFormat = z.enum([
  'fhir',
  'ccda',
  'smart-health-card',
  'smart-health-link',
  'ips',
  'apple-health',
]);
export type FileFormat = z.infer<typeof FileFormat>;
