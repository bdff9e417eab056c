/**
 * Markdown as `deno fmt` writes it (the project's formatter pads tables), so
 * a generated README section reads back exactly as the formatter leaves it.
 *
 * @module
 */

/** `text` formatted by `deno fmt` as Markdown, with the project's settings. */
export async function formatMarkdown(text: string): Promise<string> {
  const root = new URL("../", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext=md", "-"],
    cwd: root,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  if (code !== 0) throw new Error(`deno fmt failed: ${new TextDecoder().decode(stderr)}`);
  return new TextDecoder().decode(stdout);
}
