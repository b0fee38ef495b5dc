// POST /api/v1/mappings/{id}/versions – save a new version of a mapping (validated), optionally activate it and re-map stored records
import { z } from "zod";
import { apiActor } from "@/lib/api/principal";
import { apiHandler, json, readJson } from "@/lib/api/route";
import { AppError } from "@/lib/errors";
import { activateMappingVersion, saveMappingVersion } from "@/lib/mapping/service";

export const dynamic = "force-dynamic";

const bodySchema = z.object({
  definition: z.unknown().refine((v) => v !== undefined, "The definition is required."),
  note: z.string().max(500).optional(),
  activate: z.boolean().default(false),
  remap: z.boolean().default(false),
});

export const POST = apiHandler<{ id: string }>("integrations:write", async ({ req, principal, params, ip }) => {
  if (params.id.length > 100) throw new AppError("not_found", "That mapping does not exist.");
  const body = await readJson(req, bodySchema);
  if (body.remap && !body.activate) throw new AppError("bad_request", "remap applies only with activate: true.", { fieldErrors: { remap: ["Only with activate: true."] } });
  const { actor } = await apiActor(principal);
  const who = { orgId: principal.orgId, actor, ip };
  const saved = await saveMappingVersion({ ...who, mappingId: params.id, definition: body.definition, note: body.note ?? null });
  if (!saved.ok) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of saved.issues) (fieldErrors[["definition", ...issue.path].join(".")] ??= []).push(issue.message);
    throw new AppError("bad_request", `The mapping definition is invalid: ${saved.issues[0]?.message ?? "see fieldErrors"}`, { fieldErrors });
  }
  const activated = body.activate ? await activateMappingVersion({ ...who, mappingId: params.id, versionId: saved.version.id, remap: body.remap }) : null;
  return json({ data: { versionId: saved.version.id, version: saved.version.version, active: activated !== null, remapTotal: activated?.remapTotal ?? null } }, 201);
});
