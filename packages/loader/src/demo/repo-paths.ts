import { fileURLToPath } from "node:url";

/**
 * The repository checkout this CLI runs from (src/ under vitest, dist/ once built: both sit three
 * folders below packages/loader). The demo uses the export helper and venv of the checkout.
 */
export const checkoutRoot = fileURLToPath(new URL("../../../../", import.meta.url));
