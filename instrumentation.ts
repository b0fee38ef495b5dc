// Runs once when a server process starts: validate the environment, open the database and
// apply migrations before the first request is served.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { boot } = await import("./lib/boot");
  await boot();
}
