/** A response body as loosely typed JSON: tests index into Hub answers whose shape they assert. */
// biome-ignore lint/suspicious/noExplicitAny: the assertions that follow check the shape
export async function readJson(response: Response): Promise<any> {
  return response.json();
}
