import { describe, expect, it } from "vitest";
import { addressGroup } from "../../../../adapters/web/security.js";

describe("addressGroup: one client as the limit on new sessions counts it", () => {
  it("takes an IPv4 address as it is, also when mapped into IPv6", () => {
    expect(addressGroup("203.0.113.7")).toBe("203.0.113.7");
    expect(addressGroup("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(addressGroup("::FFFF:127.0.0.1")).toBe("127.0.0.1");
  });

  it("counts an IPv6 address by its /64, however it is written", () => {
    const group = "2001:db8:aa:bb::/64";
    for (const address of [
      "2001:db8:aa:bb::1",
      "2001:db8:aa:bb:ffff:ffff:ffff:ffff",
      "2001:0DB8:00aa:00bb:1:2:3:4",
      "2001:db8:aa:bb:1::",
      "2001:db8:aa:bb::5.6.7.8",
    ]) {
      expect(addressGroup(address)).toBe(group);
    }
    expect(addressGroup("2001:db8:aa:bc::1")).not.toBe(group);
    expect(addressGroup("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressGroup("::1")).toBe("0:0:0:0::/64");
    expect(addressGroup("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
  });

  it("names a missing address rather than letting it share a key with a real one", () => {
    expect(addressGroup("")).toBe("unknown");
  });
});
