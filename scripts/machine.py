"""What the benchmarks ran on, for the first line of their tables: the
processor's name, its cores, the kernel and which lane kernels
(src/core/lanes.c) the processor selects."""
import os
import platform


def describe():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        info = f.read()
    for line in info.splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    isa = ("avx512" if " avx512dq" in info else
           "avx2" if " avx2" in info else "base")
    return (f"{cpu}, {os.cpu_count()} cores, "
            f"{platform.system()} {platform.release()}, lane kernels: {isa}")
