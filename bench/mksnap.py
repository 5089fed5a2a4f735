#!/usr/bin/env python3
"""Write a synthetic but well-formed sysfs snapshot of a large PCIe fabric.

    bench/mksnap.py DIR FUNCTIONS

Per PCI domain: 7 root ports with ACS, each above a switch (one upstream
port, 32 downstream ports with ACS), each downstream port above an
8-function endpoint without ACS.  Every function has a 4 KiB config file
with a PCIe capability and, on ports, an ACS extended capability, so the
snapshot exercises the same code paths as a real host.  The kernel's
groups (written under sys/kernel/iommu_groups) follow the kernel's rules
for this fabric: one group per port, one per multifunction endpoint.
"""
import os
import struct
import sys

VENDOR = 0x1b36


def config(dev_id, cls, hdr, pcie_type, acs, sec=0, sub=0, mf=False):
    c = bytearray(4096)
    struct.pack_into("<HH", c, 0, VENDOR, dev_id)
    struct.pack_into("<H", c, 6, 0x0010)            # status: cap list
    c[8] = 1                                         # revision
    c[9], c[10], c[11] = cls & 0xff, (cls >> 8) & 0xff, cls >> 16
    c[0x0e] = hdr | (0x80 if mf else 0)
    c[0x34] = 0x40
    if hdr == 1:
        c[0x19], c[0x1a] = sec, sub
    c[0x40], c[0x41] = 0x10, 0                       # PCIe cap, last
    struct.pack_into("<H", c, 0x42, 0x2 | (pcie_type << 4))
    if acs:
        struct.pack_into("<I", c, 0x100, 0x0d | (1 << 16))
        struct.pack_into("<HH", c, 0x104, 0x5f, 0x1d)  # SV RR CR UF on
    return bytes(c)


class Snap:
    def __init__(self, root):
        self.root = root
        self.group = 0
        self.n = 0
        for d in ("sys/bus/pci/devices", "sys/kernel/iommu_groups",
                  "sys/bus/pci/drivers/pcieport", "sys/bus/pci/drivers/e1000e",
                  "proc/sys/kernel", "sys/class/iommu/dmar0"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        with open(os.path.join(root, "proc/cmdline"), "w") as f:
            f.write("BOOT_IMAGE=/vmlinuz intel_iommu=on\n")
        with open(os.path.join(root, "proc/sys/kernel/osrelease"), "w") as f:
            f.write("6.1.0-56-amd64\n")

    def new_group(self):
        g = self.group
        self.group += 1
        os.makedirs(os.path.join(self.root, "sys/kernel/iommu_groups/%d/devices" % g))
        return g

    def add(self, parent_dir, bdf, cfg, cls, driver, group):
        d = os.path.join(parent_dir, bdf)
        os.makedirs(d)
        with open(os.path.join(d, "config"), "wb") as f:
            f.write(cfg)
        vendor, device = struct.unpack_from("<HH", cfg, 0)
        for name, val in (("vendor", "0x%04x" % vendor), ("device", "0x%04x" % device),
                          ("class", "0x%06x" % cls), ("revision", "0x01"),
                          ("subsystem_vendor", "0x%04x" % vendor),
                          ("subsystem_device", "0x1100"), ("driver_override", "(null)"),
                          ("irq", "0"), ("resource", "\n".join(
                              ["0x0000000000000000 0x0000000000000000 0x0000000000000000"] * 13))):
            with open(os.path.join(d, name), "w") as f:
                f.write(val + "\n")
        rel = os.path.relpath(d, os.path.join(self.root, "sys/bus/pci/devices"))
        os.symlink(rel, os.path.join(self.root, "sys/bus/pci/devices", bdf))
        gdir = os.path.join(self.root, "sys/kernel/iommu_groups/%d" % group)
        os.symlink(os.path.relpath(gdir, d), os.path.join(d, "iommu_group"))
        os.symlink(os.path.relpath(d, os.path.join(gdir, "devices")),
                   os.path.join(gdir, "devices", bdf))
        if driver:
            drv = os.path.join(self.root, "sys/bus/pci/drivers", driver)
            os.symlink(os.path.relpath(drv, d), os.path.join(d, "driver"))
            os.symlink(os.path.relpath(d, drv), os.path.join(drv, bdf))
        self.n += 1
        return d


def build(root, target):
    s = Snap(root)
    dom = 0
    while s.n < target:
        top = os.path.join(root, "sys/devices/pci%04x:00" % dom)
        os.makedirs(top)
        bus = 1
        for rp in range(7):
            if s.n >= target:
                break
            rpb = "%04x:00:%02x.0" % (dom, rp + 1)
            rpd = s.add(top, rpb, config(0x000c, 0x060400, 1, 4, True, bus, bus + 33),
                        0x060400, "pcieport", s.new_group())
            usb = "%04x:%02x:00.0" % (dom, bus)
            usd = s.add(rpd, usb, config(0x000d, 0x060400, 1, 5, False, bus + 1, bus + 33),
                        0x060400, "pcieport", s.new_group())
            for k in range(32):
                if s.n >= target:
                    break
                dsb = "%04x:%02x:%02x.0" % (dom, bus + 1, k)
                dsd = s.add(usd, dsb, config(0x000e, 0x060400, 1, 6, True, bus + 2 + k, bus + 2 + k),
                            0x060400, "pcieport", s.new_group())
                g = s.new_group()
                for fn in range(8):
                    epb = "%04x:%02x:00.%d" % (dom, bus + 2 + k, fn)
                    s.add(dsd, epb, config(0x10d3, 0x020000, 0, 0, False, mf=True),
                          0x020000, "e1000e", g)
            bus += 34
        dom += 1
    return s.n


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    if os.path.exists(sys.argv[1]) and os.listdir(sys.argv[1]):
        sys.exit("mksnap: %s exists and is not empty" % sys.argv[1])
    n = build(sys.argv[1], int(sys.argv[2]))
    print("%s: %d functions" % (sys.argv[1], n))
