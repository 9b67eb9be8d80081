#!/usr/bin/env bash
# Installs the Debian packages synsweep needs, only those that are missing,
# and the extra ones named as arguments (e.g. python3-brian for the
# benchmark). Safe to run again and again; needs root (or sudo) only when
# something is missing.
set -euo pipefail

packages=(
    build-essential cmake pkg-config
    libhdf5-dev libyaml-dev libcmocka-dev librandom123-dev libmd-dev
    python3-numpy python3-h5py python3-h5netcdf python3-xarray python3-matplotlib
    # the netCDF tools the tests read results files with (R: ~26 MB)
    netcdf-bin nco python3-netcdf4 r-cran-ncdf4
    valgrind clang libclang-rt-14-dev
    # the man page's check, --version's commit
    man-db groff-base git
    # the MPI build and its tests on a real single-node Slurm; libpmix-dev
    # holds the libpmix.so srun --mpi=pmix loads (without it srun hangs).
    # Serial HDF5 only: rank 0 alone writes (libhdf5-openmpi-dev would
    # also turn pkg-config's hdf5 into the MPI one)
    openmpi-bin libopenmpi-dev libpmix-dev slurm-wlm munge
    time  # /usr/bin/time: peak memory in scripts/bench_merge.py
    "$@"
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
