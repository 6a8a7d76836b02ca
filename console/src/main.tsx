import { createRoot } from "react-dom/client";
import { App } from "@/app/app";
import { loadConsoleConfig } from "@/lib/config";
import { createFirebaseClients } from "@/lib/firebase";
import "./styles.css";

/* Entry: read /config.json, make the Firebase clients, render. */
async function main(): Promise<void> {
  const root = createRoot(document.getElementById("root")!);
  try {
    const config = await loadConsoleConfig();
    const { auth, db } = createFirebaseClients(config);
    root.render(<App services={{ config, auth, db }} />);
  } catch {
    root.render(<p role="alert">The console could not load its configuration (config.json).</p>);
  }
}

void main();
