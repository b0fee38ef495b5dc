import { Cable } from "lucide-react";

export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center gap-6 bg-muted/40 p-6">
      <div className="flex items-center gap-2 text-lg font-semibold">
        <Cable className="size-6 text-primary" aria-hidden />
        Patchbay
      </div>
      <div className="w-full max-w-md">{children}</div>
    </main>
  );
}
