"use server";
import { signOut } from "@/lib/auth";
import { userAction } from "@/lib/safe-action";

export const signOutAction = userAction.metadata({ name: "signOut" }).action(async () => {
  await signOut({ redirectTo: "/sign-in" });
});
