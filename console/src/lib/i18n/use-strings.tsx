import { createContext, useContext } from "react";
import type { ReactNode } from "react";
import { STRINGS } from "./strings";
import type { Language, Strings } from "./strings";

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
export function useStrings(): Strings {
  return STRINGS[useContext(LanguageContext)];
}

/** The active language (for date formatting). */
export function useLanguage(): Language {
  return useContext(LanguageContext);
}
