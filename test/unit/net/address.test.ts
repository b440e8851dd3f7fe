import { describe, expect, it } from "vitest";
import { addressCategory, canonicalAddress, isPublicAddress } from "../../../src/net/address.js";

describe("isPublicAddress", () => {
  it.each([
    ["93.184.216.34"],
    ["8.8.8.8"],
    ["1.1.1.1"],
    ["172.32.0.1"],
    ["100.128.0.1"],
    ["2606:4700:4700::1111"],
    ["2a00:1450:4001:80b::200e"],
    ["::ffff:8.8.8.8"],
    ["::ffff:808:808"],
    ["64:ff9b::808:808"],
  ])("%s is public", (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });

  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link-local"],
    ["169.254.0.1", "link-local"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "reserved"],
    ["100.64.0.1", "shared"],
    ["100.127.255.255", "shared"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["192.0.0.8", "reserved"],
    ["192.0.2.10", "documentation"],
    ["198.18.0.1", "reserved"],
    ["198.51.100.7", "documentation"],
    ["203.0.113.9", "documentation"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["febf::1", "link-local"],
    ["fc00::1", "private"],
    ["fd12:3456::1", "private"],
    ["fec0::1", "private"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.1.2.3", "private"],
    ["::ffff:a9fe:a9fe", "link-local"],
    ["::ffff:0.0.0.0", "unspecified"],
    ["::127.0.0.1", "loopback"],
    ["::7f00:1", "loopback"],
    ["::8.8.8.8", "reserved"],
    ["::ffff:0:7f00:1", "reserved"],
    ["64:ff9b::7f00:1", "loopback"],
    ["64:ff9b::a9fe:a9fe", "link-local"],
    ["64:ff9b:1::1", "private"],
    ["2002:7f00:1::1", "loopback"],
    ["2002:808:808::1", "reserved"],
    ["2001::1", "reserved"],
    ["2001:db8::1", "documentation"],
    ["3fff::1", "documentation"],
    ["100::1", "reserved"],
    ["4000::1", "reserved"],
  ])("%s is not public (%s)", (ip, category) => {
    expect(addressCategory(ip)).toBe(category);
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each([
    ["localhost"],
    ["0x7f.1"],
    ["2130706433"],
    ["127.1"],
    ["0177.0.0.1"],
    [""],
    ["1.2.3.4.5"],
    ["::g"],
  ])("%s is not an address at all, so it fails closed", (text) => {
    expect(addressCategory(text)).toBe("invalid");
    expect(isPublicAddress(text)).toBe(false);
  });
});

describe("canonicalAddress", () => {
  it("writes addresses the way the URL parser does", () => {
    expect(canonicalAddress("127.0.0.1")).toBe("127.0.0.1");
    expect(canonicalAddress("[0:0:0:0:0:0:0:1]")).toBe("::1");
    expect(canonicalAddress("::ffff:127.0.0.1")).toBe("::ffff:7f00:1");
    expect(canonicalAddress("FE80::1%eth0")).toBe("fe80::1");
    expect(canonicalAddress("example.com")).toBeNull();
  });
});
