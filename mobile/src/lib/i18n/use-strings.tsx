import { createContext, useContext } from "react";
import type { ReactNode } from "react";
import { STRINGS } from "./strings";
import type { Language, StringKey } from "./strings";

const LanguageContext = createContext<Language>("en");

/** Provides the active language to every screen. */
export function LanguageProvider({
  language,
  children,
}: {
  language: Language;
  children: ReactNode;
}) {
  return <LanguageContext.Provider value={language}>{children}</LanguageContext.Provider>;
}

/** The string table of the active language. */
export function useStrings(): Record<StringKey, string> {
  return STRINGS[useContext(LanguageContext)];
}
