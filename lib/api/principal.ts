import "server-only";
import { getOrgName } from "@/db/queries/integrations";
import { AppError } from "@/lib/errors";
import type { ApiPrincipal } from "./tokens";

/** The actor and organization an API call acts as: the token, on behalf of its organization. */
export async function apiActor(p: ApiPrincipal) {
  const name = await getOrgName(p.orgId);
  if (!name) throw new AppError("unauthorized", "The token's organization no longer exists.");
  return { org: { id: p.orgId, name }, actor: { id: p.createdBy, email: `api-token:${p.name}`, isPlatformAdmin: false } };
}
