import { render, screen } from "@testing-library/react-native";
import { LanguageProvider } from "@/lib/i18n/use-strings";
import { STRINGS } from "@/lib/i18n/strings";
import { NetworkBanner } from "./network-banner";

describe("NetworkBanner", () => {
  it("says offline when the network layer reports offline, in the chosen language", () => {
    render(
      <LanguageProvider language="sw">
        <NetworkBanner online={false} />
      </LanguageProvider>,
    );
    expect(screen.getByText(STRINGS.sw.offlineBanner)).toBeTruthy();
    expect(screen.queryByText(STRINGS.sw.onlineBanner)).toBeNull();
  });
});
