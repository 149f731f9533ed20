/** The message a promise rejects with, or 'no error' (assertions on expected failures). */
export async function errOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return (e as Error).message;
  }
}
