#!/usr/bin/python3
"""Benchmark Brian2 on the trials that synsweep runs.

Brian2 is the peer simulator. The trials are written the way Brian2 users write
sweeps: one NeuronGroup whose N neurons are N independent trials, each neuron
with its own Poisson inputs. The default code-generation target is C++
standalone, single-threaded. Code generation and compilation are timed apart
from the run of the compiled program.

Install Brian2 from Debian (`apt-get install -y python3-brian`) and run with
the system interpreter:

    /usr/bin/python3 scripts/bench_brian2.py --config ex12 --trials 2000 --json

Configurations (the tutorial's models, see README.md and tests/fixtures/):

  ex12    lif_cond, Coding Exercise 1.2, 80 exc + 20 inh Poisson trains at 10 Hz,
          plus the free-membrane-potential (FMP) run on the same input.
  bonus   lif_cond_stp, the bonus demo at tau_ratio 0.5: 80 + 20 trains at 15 Hz,
          one Tsodyks-Markram synapse per train, plus the FMP run.
  stp10   stp_train: one synapse driven by a regular 10 Hz train; g at the
  stp40   1st and 9th delivered spike (g1 = g[isi], g10 = g[9*isi]); 40 Hz.

How the tutorial's Euler loop is reproduced (dt = 0.1 ms, Lt = T/dt bins):

  * Lt - 1 Brian2 steps. In step j the inputs of bin j+1 are added to the
    conductances in the 'before_groups' slot, then the 'groups' slot computes
    v[j+1] from v[j] and g[j+1] (method='euler'; all right-hand sides use the
    values at the start of the slot) and decays g. So the input of a bin acts
    before the membrane update that uses it, as in run_LIF_cond, and the spike
    in bin 0 is never delivered.
  * Threshold and reset on v[j+1] follow in the same step; a refractory period
    of 2.1 ms with `(unless refractory)` on dv/dt freezes v at V_reset for the
    20 steps after the spike step, so v is V_reset on 21 bins (spike bin + 20),
    as the tutorial's counter tr = tref/dt = 20 does. As in the tutorial, the
    last bin is neither tested for threshold nor clamped (`t < (Lt - 2.5)*dt`
    in the threshold and refractory expressions).
  * FMP: a second voltage v_fmp driven by the same gE, gI with no threshold,
    reset or refractoriness. Its mean and population std over the Lt bins
    (v_fmp[0] = V_init included) are accumulated online (run_regularly).
  * Poisson input: PoissonInput (a binomial count per step, the exact
    distribution of the sum of the trains' per-bin Bernoulli draws) for
    lif_cond; a PoissonGroup (one Bernoulli draw per train and step) for
    lif_cond_stp, because each train has its own synapse.
  * Tsodyks-Markram synapses (dynamic_syn) are event-driven: on a spike the
    synapse first applies the n silent steps since its last spike with the
    exact solution of the Euler recursion, u *= (1 - dt/tau_f)**n,
    1 - R *= (1 - dt/tau_d)**n, then the spike step in the tutorial's order
    (u first, then R with the new u, g += g_bar * R_old * u_new).

Timing (all single-threaded; --json gives every number):

  build_s   code generation and compilation. cpp_standalone: the run() calls
            (which generate the code) plus device.build(compile=True, run=False);
            cython: a cold compile into a fresh cache; numpy: code generation.
  run_s     cpp_standalone: wall time of the compiled binary (process start,
            synapse creation, the simulation, writing the results); runtime
            targets: wall time of Brian2's network loop.
  run_cpu_s cpp_standalone: user + system CPU time of the binary.
  sim_s     cpp_standalone: CPU time of the network loops (Brian2's loop timer
            is std::clock() without OpenMP); runtime targets: = run_s.
  trials_per_s_per_core = trials / run_s (and _cpu, _sim from the CPU times,
            which are less sensitive to other load on a shared machine).
"""

import argparse
import json
import math
import os
import re
import resource
import shutil
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
POISSON_FIXTURE = os.path.join(ROOT, 'tests', 'fixtures', 'seed_poisson_stats.h')
CASES_FIXTURE = os.path.join(ROOT, 'tests', 'fixtures', 'seed_cases.h')

NEURON = dict(T=1000.0, dt=0.1, V_th=-55.0, V_reset=-75.0, tau_m=10.0, g_L=10.0,
              V_init=-65.0, E_L=-75.0, tref=2.0, I_inj=0.0)

CONFIGS = {
    'ex12': dict(model='lif_cond', fixture='ex12', trials=2000,
                 pars=dict(NEURON, gE_bar=2.4, gI_bar=2.4, VE=0.0, VI=-80.0,
                           tau_syn_E=2.0, tau_syn_I=5.0, n_exc=80, n_inh=20,
                           exc_rate=10.0, inh_rate=10.0)),
    'bonus': dict(model='lif_cond_stp', fixture='stp_bonus_0p5', trials=200,
                  pars=dict(NEURON, gE_bar=4.8, gI_bar=6.4, VE=0.0, VI=-80.0,
                            tau_syn_E=5.0, tau_syn_I=10.0, n_exc=80, n_inh=20,
                            exc_rate=15.0, inh_rate=15.0,
                            U0_E=0.45, tau_d_E=250.0, tau_f_E=150.0,
                            U0_I=0.45, tau_d_I=250.0, tau_f_I=150.0)),
    'stp10': dict(model='stp_train', fixture='STD_10Hz', trials=100000,
                  pars=dict(rate=10.0, g_bar=1.2, tau_syn=5.0, U0=0.5,
                            tau_d=100.0, tau_f=50.0, dt=0.1)),
    'stp40': dict(model='stp_train', fixture='STD_40Hz', trials=100000,
                  pars=dict(rate=40.0, g_bar=1.2, tau_syn=5.0, U0=0.5,
                            tau_d=100.0, tau_f=50.0, dt=0.1)),
}

TARGETS = ('cpp_standalone', 'cython', 'numpy')
Z_AGREE = 4.0
REL_AGREE = 1e-9


# ---------------------------------------------------------------------------
# Fixtures (C headers) -> Python
# ---------------------------------------------------------------------------
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)'
                    r'|(NAN|NULL|[A-Za-z_]\w*)|([{}])')


def _strip_comments(text):
    return re.sub(r'/\*.*?\*/', ' ', re.sub(r'//[^\n]*', ' ', text), flags=re.S)


def parse_fixture(path, typedef, table):
    """Rows of `table` in the header at `path` as dicts keyed by the field names
    of `typedef` (in the order of the struct)."""
    text = _strip_comments(open(path).read())
    m = re.search(r'typedef\s+struct\s*\{(.*?)\}\s*' + re.escape(typedef) + r'\s*;', text, re.S)
    if not m:
        raise ValueError(f'{path}: no typedef {typedef}')
    fields = []
    for decl in m.group(1).split(';'):
        decl = decl.strip()
        if not decl:
            continue
        base = re.match(r'(?:const\s+)?(?:unsigned\s+)?\w+\s*', decl)
        for name in decl[base.end():].split(','):
            fields.append(name.strip().lstrip('*').strip())
    m = re.search(re.escape(typedef) + r'\s+' + re.escape(table) + r'\s*\[\s*\][^=]*=\s*\{', text)
    if not m:
        raise ValueError(f'{path}: no table {table}')
    rows, row, depth = [], None, 1
    for tok in _TOKEN.finditer(text, m.end()):
        s, num, ident, brace = tok.groups()
        if brace == '{':
            depth += 1
            if depth == 2:
                row = []
        elif brace == '}':
            depth -= 1
            if depth == 1:
                rows.append(dict(zip(fields, row)))
            elif depth == 0:
                break
        elif depth == 2:
            if s is not None:
                row.append(s)
            elif num is not None:
                row.append(float(num) if re.search(r'[.eE]', num) else int(num))
            elif ident == 'NAN':
                row.append(float('nan'))
            else:
                row.append(None)
    return rows


def fixture_row(path, typedef, table, name):
    for row in parse_fixture(path, typedef, table):
        if row.get('name') == name:
            return row
    raise KeyError(f'{path}: no case {name!r} in {table}')


def params_of(row):
    out = {}
    for kv in row['params'].split():
        k, v = kv.split('=', 1)
        try:
            out[k] = float(v)
        except ValueError:
            out[k] = v
    return out


# ---------------------------------------------------------------------------
# Brian2 models
# ---------------------------------------------------------------------------
def lt_of(T, dt):
    """len(np.arange(0, T, dt))"""
    return len(np.arange(0, T, dt))


def stp_on_pre(g_post, g_bar, U0, tau_d, tau_f):
    """dynamic_syn as event-driven Synapses code (see the module docstring).
    tlast is the step time of the synapse's previous spike; the number of
    silent steps before this spike's step is (t - tlast)/dt - 1."""
    return f'''
n_silent = floor((t - tlast)/dt + 0.5) - 1
u_old = u*(1 - dt/{tau_f})**n_silent
R_old = 1 - (1 - R)*(1 - dt/{tau_d})**n_silent
u = u_old - (dt/{tau_f})*u_old + {U0}*(1 - u_old)
R = R_old + (dt/{tau_d})*(1 - R_old) - u*R_old
{g_post} += {g_bar}*R_old*u
tlast = t
'''


STP_SYN_MODEL = '''
u : 1
R : 1
tlast : second
'''


def build_lif(b, cfg, N):
    """lif_cond / lif_cond_stp: returns (objects, run plan, info)."""
    p = cfg['pars']
    dt = p['dt']
    Lt = lt_of(p['T'], dt)
    ms, mV, nS, pA, Hz = b.ms, b.mV, b.nS, b.pA, b.Hz
    ns = dict(E_L=p['E_L'] * mV, V_th=p['V_th'] * mV, V_reset=p['V_reset'] * mV,
              tau_m=p['tau_m'] * ms, g_L=p['g_L'] * nS, I_inj=p['I_inj'] * pA,
              VE=p['VE'] * mV, VI=p['VI'] * mV,
              tau_E=p['tau_syn_E'] * ms, tau_I=p['tau_syn_I'] * ms,
              gE_bar=p['gE_bar'] * nS, gI_bar=p['gI_bar'] * nS,
              t_check=(Lt - 2.5) * dt * ms)
    eqs = '''
dv/dt = (-(v - E_L) - (gE/g_L)*(v - VE) - (gI/g_L)*(v - VI) + I_inj/g_L)/tau_m : volt (unless refractory)
dv_fmp/dt = (-(v_fmp - E_L) - (gE/g_L)*(v_fmp - VE) - (gI/g_L)*(v_fmp - VI) + I_inj/g_L)/tau_m : volt
dgE/dt = -gE/tau_E : siemens
dgI/dt = -gI/tau_I : siemens
s_v : volt
s_f : volt
s_f2 : volt**2
s_gE : siemens
s_gI : siemens
'''
    # Refractoriness: Brian2 frees v when timestep(t - lastspike) >= 21, i.e. in
    # the 21st step after the spike step, so v = V_reset on the spike bin and the
    # 20 bins after it (tutorial: counter tr = tref/dt = 20 counted down by 1 per
    # bin while > 0, i.e. ceil(tref/dt) clamped bins after the spike bin).
    # The tutorial never clamps the last bin v[Lt-1]: the period is 0 in the
    # last step (the one that computes v[Lt-1]).
    n_ref = math.ceil(p['tref'] / dt)
    ns['t_ref'] = (n_ref + 1) * dt * ms
    G = b.NeuronGroup(N, eqs, threshold='v >= V_th and t < t_check', reset='v = V_reset',
                      refractory='t_ref*int(t < t_check)',
                      method='euler', namespace=ns, name='trials')
    G.v = p['V_init'] * mV
    G.v_fmp = p['V_init'] * mV
    # Sums over bins 1..Lt-1 at the end of each step (after threshold/reset);
    # gE, gI there are g[j+1]*(1 - dt/tau) (already decayed for the next step).
    acc = G.run_regularly('''
s_v += v - E_L
s_f += v_fmp - E_L
s_f2 += (v_fmp - E_L)**2
s_gE += gE
s_gI += gI
''', when='end', name='accumulate')
    spikes = b.SpikeMonitor(G, name='spikes')
    objs = [G, acc, spikes]
    if cfg['model'] == 'lif_cond':
        for var, n, rate, w in (('gE', p['n_exc'], p['exc_rate'], 'gE_bar'),
                                ('gI', p['n_inh'], p['inh_rate'], 'gI_bar')):
            if n > 0 and rate > 0:
                objs.append(b.PoissonInput(G, var, N=int(n), rate=rate * Hz, weight=w,
                                           when='before_groups'))
    else:
        for var, n, rate, gbar, U0, td, tf in (
                ('gE', p['n_exc'], p['exc_rate'], 'gE_bar', p['U0_E'], p['tau_d_E'], p['tau_f_E']),
                ('gI', p['n_inh'], p['inh_rate'], 'gI_bar', p['U0_I'], p['tau_d_I'], p['tau_f_I'])):
            n = int(n)
            if n == 0 or rate == 0:
                continue
            src = b.PoissonGroup(N * n, rates=rate * Hz, name=f'trains_{var}')
            src.thresholder['spike'].when = 'before_groups'
            src.thresholder['spike'].order = 0
            syn = b.Synapses(src, G, model=STP_SYN_MODEL,
                             on_pre=stp_on_pre(f'{var}_post', gbar, U0, f'({td}*ms)', f'({tf}*ms)'),
                             namespace=dict(ns, ms=ms), name=f'stp_{var}')
            syn.connect(i=np.arange(N * n), j=np.repeat(np.arange(N), n))
            syn.u = 0.0
            syn.R = 1.0
            syn.tlast = -1.0 * b.second
            syn.pre.when = 'before_groups'
            syn.pre.order = 1
            objs += [src, syn]
    runs = [(Lt - 1) * dt * ms]
    info = dict(Lt=Lt, G=G, spikes=spikes, dt=dt, pars=p)
    return objs, runs, info


def build_stp_train(b, cfg, N):
    """stp_train with a regular train: returns (objects, run plan, info)."""
    p = cfg['pars']
    dt, rate = p['dt'], p['rate']
    T = 10.0 * 1000 / (1.0 * rate)
    Lt = lt_of(T, dt)
    isi = int((1e3 / rate) / dt)
    ms, nS = b.ms, b.nS
    # Spikes at bins isi, 2 isi, ... (bin 0 is never delivered). A spike of bin
    # k is emitted in step k-1, whose 'synapses' slot adds it after g decays:
    # g after step k-1 is the tutorial's g[k].
    bins = np.arange(isi, Lt, isi)
    n_sp = len(bins)
    indices = np.repeat(np.arange(N), n_sp)
    times = np.tile((bins - 1) * dt, N) * ms
    src = b.SpikeGeneratorGroup(N, indices, times, name='regular_trains')
    post = b.NeuronGroup(N, '''
dg/dt = -g/tau_syn : siemens
g1 : siemens
g10 : siemens
''', method='euler', namespace=dict(tau_syn=p['tau_syn'] * ms), name='trials')
    syn = b.Synapses(src, post, model=STP_SYN_MODEL,
                     on_pre=stp_on_pre('g_post', 'g_bar', p['U0'], 'tau_d', 'tau_f'),
                     namespace=dict(g_bar=p['g_bar'] * nS, tau_d=p['tau_d'] * ms,
                                    tau_f=p['tau_f'] * ms), name='stp')
    syn.connect(j='i')
    syn.u = 0.0
    syn.R = 1.0
    syn.tlast = -1.0 * b.second
    # g[isi] and g[9 isi] are the values after steps isi-1 and 9 isi-1: split the
    # run there and copy g (no per-step cost).
    runs = [isi * dt * ms, ('set', 'g1'), 8 * isi * dt * ms, ('set', 'g10'),
            (Lt - 1 - 9 * isi) * dt * ms]
    info = dict(Lt=Lt, isi=isi, post=post, dt=dt, pars=p)
    return [src, post, syn], runs, info


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------
def mean_se(x):
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return dict(mean=float('nan'), se=float('nan'), count=0)
    se = float(np.std(x, ddof=1) / math.sqrt(n)) if n > 1 else float('nan')
    return dict(mean=float(np.mean(x)), se=se, count=n)


def lif_stats(b, info, N):
    p, Lt, G = info['pars'], info['Lt'], info['G']
    mV, nS = b.mV, b.nS
    idx = np.asarray(info['spikes'].i[:], dtype=np.int64)
    steps = np.rint(np.asarray(info['spikes'].t[:] / b.ms) / info['dt']).astype(np.int64)
    order = np.lexsort((steps, idx))
    idx, steps = idx[order], steps[order]
    counts = np.bincount(idx, minlength=N)
    rate = 1e3 * counts / p['T']
    # CV of ISIs per neuron (population std / mean), neurons with >= 4 spikes
    cv = np.full(N, np.nan)
    isi = np.diff(steps).astype(float)
    same = idx[1:] == idx[:-1]
    isi_owner = idx[1:][same]
    isi = isi[same]
    n_isi = np.bincount(isi_owner, minlength=N)
    s1 = np.bincount(isi_owner, weights=isi, minlength=N)
    ok = counts >= 4
    m = np.where(n_isi > 0, s1 / np.maximum(n_isi, 1), np.nan)
    dev2 = np.bincount(isi_owner, weights=(isi - m[isi_owner]) ** 2, minlength=N)
    cv[ok] = np.sqrt(dev2[ok] / n_isi[ok]) / m[ok]
    # FMP and v over bins 0..Lt-1 (bin 0: V_init; sums hold bins 1..Lt-1)
    c0 = p['V_init'] - p['E_L']
    s_f = np.asarray(G.s_f[:] / mV) + c0
    s_f2 = np.asarray(G.s_f2[:] / mV ** 2) + c0 ** 2
    fmp_mean = s_f / Lt + p['E_L']
    fmp_std = np.sqrt(np.maximum(s_f2 / Lt - (s_f / Lt) ** 2, 0.0))
    v_mean = (np.asarray(G.s_v[:] / mV) + c0) / Lt + p['E_L']
    aE = 1.0 - p['dt'] / p['tau_syn_E']
    aI = 1.0 - p['dt'] / p['tau_syn_I']
    gE_mean = np.asarray(G.s_gE[:] / nS) / aE / Lt
    gI_mean = np.asarray(G.s_gI[:] / nS) / aI / Lt
    return dict(firing_rate=mean_se(rate), cv_isi=mean_se(cv),
                fmp_mean=mean_se(fmp_mean), fmp_std=mean_se(fmp_std),
                v_mean=mean_se(v_mean), gE_mean=mean_se(gE_mean), gI_mean=mean_se(gI_mean),
                n_spikes_total=int(counts.sum()))


def stp_stats(b, info, N):
    g1 = np.asarray(info['post'].g1[:] / b.nS)
    g10 = np.asarray(info['post'].g10[:] / b.nS)
    return dict(g1=float(g1[0]), g10=float(g10[0]),
                g1_spread=float(np.max(np.abs(g1 - g1[0]))),
                g10_spread=float(np.max(np.abs(g10 - g10[0]))))


# ---------------------------------------------------------------------------
# Agreement with the tutorial's numbers
# ---------------------------------------------------------------------------
def check_params(cfg, fixture_params):
    """Names of parameters whose values differ from the fixture's."""
    bad = []
    for k, v in cfg['pars'].items():
        if k in fixture_params and isinstance(fixture_params[k], float):
            if abs(float(v) - fixture_params[k]) > 1e-12 * max(1.0, abs(v)):
                bad.append(f'{k}: {v} vs fixture {fixture_params[k]}')
    return bad


def compare(cfg, stats):
    rows = []
    if cfg['model'] == 'stp_train':
        row = fixture_row(CASES_FIXTURE, 'fx_stp_case', 'fx_stp_cases', cfg['fixture'])
        bad = check_params(cfg, params_of(row))
        for name in ('g1', 'g10'):
            ref, got = row[name], stats[name]
            rel = abs(got - ref) / abs(ref)
            rows.append(dict(stat=name, brian2=got, seed=ref, rel_diff=rel,
                             agree=bool(rel < REL_AGREE)))
    else:
        row = fixture_row(POISSON_FIXTURE, 'fx_poisson_case', 'fx_poisson_cases', cfg['fixture'])
        bad = check_params(cfg, params_of(row))
        for name in ('firing_rate', 'cv_isi', 'fmp_mean', 'fmp_std', 'v_mean', 'gE_mean', 'gI_mean'):
            m_s, se_s = row[f'{name}_mean'], row[f'{name}_se']
            m_b, se_b = stats[name]['mean'], stats[name]['se']
            z = (m_b - m_s) / math.sqrt(se_b ** 2 + se_s ** 2)
            rows.append(dict(stat=name, brian2=m_b, brian2_se=se_b, seed=m_s, seed_se=se_s,
                             seed_n=row['cv_count'] if name == 'cv_isi' else row['n_seeds'],
                             z=z, agree=bool(abs(z) < Z_AGREE)))
    return dict(fixture=cfg['fixture'], param_mismatch=bad, rows=rows,
                all_agree=bool(not bad and all(r['agree'] for r in rows)))


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------
def run_bench(config, target, N, repeat, seed, workdir, keep, profile=False):
    cfg = CONFIGS[config]
    t_import = time.perf_counter()
    import warnings
    warnings.filterwarnings('ignore', category=FutureWarning, module=r'pythran(\.|$)')
    import brian2 as b
    t_import = time.perf_counter() - t_import
    b.prefs.logging.console_log_level = 'WARNING'
    b.prefs.logging.file_log = False
    b.prefs.logging.delete_log_on_exit = True
    directory = tempfile.mkdtemp(prefix=f'bench_brian2_{config}_', dir=workdir)
    standalone = target == 'cpp_standalone'
    if standalone:
        b.set_device('cpp_standalone', directory=directory, build_on_run=False)
        b.prefs.devices.cpp_standalone.openmp_threads = 0
    else:
        b.prefs.codegen.target = target
        if target == 'cython':
            # fresh cache: the build time is a cold compile
            b.prefs.codegen.runtime.cython.cache_dir = os.path.join(directory, 'cython_cache')
    b.defaultclock.dt = cfg['pars']['dt'] * b.ms
    if seed is not None:
        b.seed(seed)

    t0 = time.perf_counter()
    if cfg['model'] == 'stp_train':
        objs, runs, info = build_stp_train(b, cfg, N)
    else:
        objs, runs, info = build_lif(b, cfg, N)
    net = b.Network(*objs)
    t_setup = time.perf_counter() - t0

    timing = dict(import_s=t_import, setup_s=t_setup)
    loop_s = 0.0
    t0 = time.perf_counter()
    if standalone:  # the binary sums the time of its network loops
        b.device.insert_code('main', 'double _bench_sim_s = 0.0;')
    for item in runs:
        if isinstance(item, tuple):  # copy g into g1 / g10 between runs
            setattr(info['post'], item[1], 'g')
        else:
            net.run(item, profile=profile)
            if standalone:
                b.device.insert_code('main', '_bench_sim_s += Network::_last_run_time;')
            else:
                loop_s += b.device._last_run_time
    if standalone:
        b.device.insert_code('main', '{ std::ofstream f("results/bench_sim_s.txt"); '
                                     'f.precision(17); f << _bench_sim_s << std::endl; }')
    t_runs = time.perf_counter() - t0
    n_steps = int(round(float(net.t / b.ms) / cfg['pars']['dt']))
    if standalone:
        t0 = time.perf_counter()
        b.device.build(directory=directory, compile=True, run=False, with_output=False)
        t_build = time.perf_counter() - t0
        timing['codegen_s'] = t_runs + t_build - b.device.timers['compile']['make'] \
            - (b.device.timers['compile']['clean'] or 0.0)
        timing['compile_s'] = b.device.timers['compile']['make']
        timing['build_s'] = t_runs + t_build
        run_times, cpu_times, sim_times = [], [], []
        for _ in range(repeat):
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            b.device.run(directory=directory, with_output=False, run_args=[])
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            run_times.append(b.device.timers['run_binary'])
            cpu_times.append(ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime)
            # Brian2's loop timer is std::clock() without OpenMP: CPU time
            with open(os.path.join(directory, 'results', 'bench_sim_s.txt')) as f:
                sim_times.append(float(f.read()))
        timing['run_s'] = min(run_times)
        timing['run_cpu_s'] = min(cpu_times)
        timing['sim_s'] = min(sim_times)
        timing['run_s_all'] = run_times
        timing['run_cpu_s_all'] = cpu_times
        timing['sim_s_all'] = sim_times
    else:
        if repeat > 1:
            print('warning: --repeat applies to cpp_standalone only', file=sys.stderr)
        timing['build_s'] = t_runs - loop_s
        timing['run_s'] = loop_s
        timing['run_cpu_s'] = None
        timing['sim_s'] = loop_s

    if profile:
        timing['profile'] = [(name, float(t)) for name, t in
                             sorted(net.profiling_info, key=lambda x: -float(x[1]))]
    t0 = time.perf_counter()
    stats = stp_stats(b, info, N) if cfg['model'] == 'stp_train' else lif_stats(b, info, N)
    timing['analysis_s'] = time.perf_counter() - t0
    if not keep:
        shutil.rmtree(directory, ignore_errors=True)
        directory = None
    return dict(config=config, model=cfg['model'], target=target, trials=N,
                brian2_version=b.__version__, steps=n_steps, Lt=info['Lt'],
                build_s=timing['build_s'], run_s=timing['run_s'], run_cpu_s=timing['run_cpu_s'],
                sim_s=timing['sim_s'],
                trials_per_s_per_core=N / timing['run_s'],
                trials_per_s_per_core_cpu=N / timing['run_cpu_s'] if timing['run_cpu_s'] else None,
                trials_per_s_per_core_sim=N / timing['sim_s'], timing=timing,
                stats=stats, directory=directory)


def print_table(res):
    t = res['timing']
    print(f"Brian2 {res['brian2_version']}  config={res['config']} ({res['model']})  "
          f"target={res['target']}  trials={res['trials']}  steps={res['steps']} (Lt={res['Lt']})")
    print(f"  build (codegen + compile) {t['build_s']:8.3f} s"
          + (f"   [codegen {t['codegen_s']:.3f} s, make {t['compile_s']:.3f} s]"
             if 'compile_s' in t else ''))
    if 'compile_s' in t:
        print(f"  run (binary, wall)        {t['run_s']:8.3f} s   [CPU {t['run_cpu_s']:.3f} s; "
              f"network loop CPU {t['sim_s']:.3f} s]"
              + (f"   wall of each run: {', '.join(f'{x:.3f}' for x in t['run_s_all'])}"
                 if len(t['run_s_all']) > 1 else ''))
        print(f"  trials/s per core         {res['trials_per_s_per_core']:10.1f}"
              f"   [by CPU time: binary {res['trials_per_s_per_core_cpu']:.1f}, "
              f"network loop {res['trials_per_s_per_core_sim']:.1f}]")
    else:
        print(f"  run (network loop, wall)  {t['run_s']:8.3f} s")
        print(f"  trials/s per core         {res['trials_per_s_per_core']:10.1f}")
    for name, sec in t.get('profile', []):
        print(f"    profile {name:40s} {sec:8.3f} s")
    s = res['stats']
    if res['model'] == 'stp_train':
        print(f"  g1 = {s['g1']!r} nS, g10 = {s['g10']!r} nS (neuron 0; max spread over "
              f"trials {s['g1_spread']:.2g}, {s['g10_spread']:.2g})")
    chk = res.get('check')
    if chk is None:
        if res['model'] != 'stp_train':
            for k in ('firing_rate', 'cv_isi', 'fmp_mean', 'fmp_std', 'v_mean', 'gE_mean', 'gI_mean'):
                print(f"  {k:12s} {s[k]['mean']:12.6g} +- {s[k]['se']:.3g}  (n={s[k]['count']})")
        return
    print(f"  agreement with the tutorial's numbers ({chk['fixture']}):")
    if chk['param_mismatch']:
        print('    PARAMETER MISMATCH: ' + '; '.join(chk['param_mismatch']))
    for r in chk['rows']:
        if 'z' in r:
            print(f"    {r['stat']:12s} brian2 {r['brian2']:11.6g} +- {r['brian2_se']:<9.3g}"
                  f" seed {r['seed']:11.6g} +- {r['seed_se']:<9.3g} z = {r['z']:+6.2f}  "
                  f"{'agree' if r['agree'] else 'DISAGREE'}")
        else:
            print(f"    {r['stat']:12s} brian2 {r['brian2']!r:22s} seed {r['seed']!r:22s}"
                  f" rel diff {r['rel_diff']:.2e}  {'agree' if r['agree'] else 'DISAGREE'}")


def _json_safe(x):
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--config', choices=sorted(CONFIGS), default='ex12')
    ap.add_argument('--trials', type=int, default=None,
                    help='neurons = independent trials (default: ' +
                    ', '.join(f'{k} {v["trials"]}' for k, v in CONFIGS.items()) + ')')
    ap.add_argument('--target', choices=TARGETS, default='cpp_standalone')
    ap.add_argument('--repeat', type=int, default=1,
                    help='cpp_standalone: run the compiled binary R times and report the '
                    'smallest wall, CPU and loop times (statistics are those of the last run)')
    ap.add_argument('--seed', type=int, default=None, help='Brian2 random seed (default: random)')
    ap.add_argument('--json', action='store_true', help='print one JSON object')
    ap.add_argument('--no-check', action='store_true',
                    help="skip the comparison with the tutorial's numbers")
    ap.add_argument('--profile', action='store_true',
                    help="Brian2's per-object profiling (adds timing calls to every step)")
    ap.add_argument('--workdir', default=None, help='parent of the build directory (default: $TMPDIR)')
    ap.add_argument('--keep', action='store_true', help='keep the build directory')
    args = ap.parse_args(argv)
    N = args.trials if args.trials is not None else CONFIGS[args.config]['trials']
    if N < 1 or args.repeat < 1:
        ap.error('--trials and --repeat must be >= 1')
    res = run_bench(args.config, args.target, N, args.repeat, args.seed, args.workdir, args.keep,
                    args.profile)
    if not args.no_check:
        res['check'] = compare(CONFIGS[args.config], res['stats'])
    if args.json:
        print(json.dumps(_json_safe(res), allow_nan=False))
    else:
        print_table(res)
    return 0


if __name__ == '__main__':
    sys.exit(main())
