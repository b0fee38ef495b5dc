import { AppError } from "@/lib/errors";

/** Nothing is configured for this provider, neither for the organization nor platform-wide. */
export class IntegrationNotConfiguredError extends AppError {
  override name = "IntegrationNotConfiguredError";
  constructor(message: string) {
    super("not_found", message);
  }
}

/** The connection exists but an admin switched it off. */
export class IntegrationDisabledError extends AppError {
  override name = "IntegrationDisabledError";
  constructor(message: string) {
    super("conflict", message);
  }
}

/** The connection exists but cannot be used as it is (needs re-authorization, broken settings, unreadable secret). */
export class IntegrationUnavailableError extends AppError {
  override name = "IntegrationUnavailableError";
  constructor(message: string) {
    super("unavailable", message);
  }
}
