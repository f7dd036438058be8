"""Training across processes (torch.distributed, gloo on the CPU) and exact resume from a
checkpoint: two ranks with half the batch each equal one process with the whole batch, and a
run killed mid-way and resumed ends equal to an uninterrupted one."""
import os
import signal
import socket
import subprocess
import sys
import textwrap

import pytest
import torch
import torch.multiprocessing as mp

import ganlib
from ganlib import data, nets, objectives

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# every case: (objective, data, conditional, simultaneous); nets without batch norm, whose
# statistics would be per rank on the CPU
CASES = {
    "nonsaturating": lambda: (objectives.NonSaturating(), data.ring(), False, False),
    "wgan_gp": lambda: (objectives.WassersteinGP(), data.ring(), False, False),
    "wgan_clip": lambda: (objectives.Wasserstein(clip=0.05), data.grid(), False, False),
    "fgan_simultaneous": lambda: (objectives.FDivergence("kl"), data.ring(), False, True),
    "cgan": lambda: (objectives.NonSaturating(), data.ring(), True, False),
    # k_t is made from the logs: they are averaged over the ranks before it moves
    "began": lambda: (objectives.BEGAN(gamma=0.5, lambda_k=0.5), data.ring(), False, False),
}


def make_nets(case):
    if case == "began":
        return (nets.mlp(4, 2, hidden=(32, 32), seed=0),
                nets.autoencoder_mlp(2, code_dim=1, hidden=(32,), reconstruction="l1", seed=1))
    if CASES[case]()[2]:
        return (nets.conditional_mlp(4, 2, 8, hidden=(32, 32), seed=0),
                nets.conditional_mlp(2, 1, 8, hidden=(32, 32), seed=1))
    return nets.mlp(4, 2, hidden=(32, 32), seed=0), nets.mlp(2, 1, hidden=(32, 32), seed=1)


def train_case(case, distributed, steps=12):
    objective, dist_data, conditional, simultaneous = CASES[case]()
    G, D = make_nets(case)
    run = ganlib.train(G, D, dist_data, objective, steps=steps, batch_size=16, lr_g=1e-3,
                       lr_d=1e-3, n_critic=1 if simultaneous else 2, seed=3, progress=False,
                       conditional=conditional, simultaneous=simultaneous,
                       distributed=distributed, device="cpu")
    return run


def _worker(rank, port, cases, out):
    torch.set_num_threads(1)
    torch.distributed.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}",
                                         rank=rank, world_size=2)
    try:
        result = {}
        for case in cases:
            run = train_case(case, "auto")
            result[case] = dict(G=run.G.state_dict(), D=run.D.state_dict(), history=run.history,
                                snapshots=len(run.snapshots), world_size=run.world_size)
        G, D = nets.dcgan(8, 8, 1, width=8, norm="batch", seed=0)      # batch norm: per rank
        run = ganlib.train(G, D, data.digits(), objectives.NonSaturating(), steps=3, batch_size=16,
                           progress=False, device="cpu")
        result["dcgan_batch_norm"] = {k: v for k, v in G.state_dict().items() if "running" not in k}
        torch.save(result, os.path.join(out, f"rank{rank}.pt"))
    finally:
        torch.distributed.destroy_process_group()


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("ddp"))
    mp.spawn(_worker, args=(free_port(), list(CASES), out), nprocs=2)
    return [torch.load(os.path.join(out, f"rank{r}.pt")) for r in range(2)]


@pytest.mark.parametrize("case", list(CASES))
def test_two_ranks_equal_one_process_with_the_whole_batch(two_ranks, case):
    one = train_case(case, False)
    for rank, result in enumerate(two_ranks):
        got = result[case]
        assert got["world_size"] == 2
        for name, net in (("G", one.G), ("D", one.D)):
            for key, value in net.state_dict().items():
                torch.testing.assert_close(got[name][key], value, atol=2e-5, rtol=1e-4,
                                           msg=f"{case}: rank {rank}'s {name}.{key}")
        # the logs are the ranks' mean: the global batch's losses
        for key in one.history:
            torch.testing.assert_close(torch.tensor(got["history"][key]),
                                       torch.tensor(one.history[key]), atol=1e-4, rtol=1e-4)
    assert two_ranks[0][case]["snapshots"] == len(one.snapshots) == 2
    assert two_ranks[1][case]["snapshots"] == 0           # rank 0 alone takes snapshots


def test_ranks_agree_on_the_weights_with_batch_norm(two_ranks):
    # on the CPU each rank normalises by its own share (SyncBatchNorm needs CUDA), but DDP keeps
    # the weights the same on every rank (on CUDA, DDP's default buffer broadcast broke this:
    # "modified by an inplace operation", seen on an H200)
    a, b = (r["dcgan_batch_norm"] for r in two_ranks)
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=1e-6, rtol=0, msg=key)


def test_one_process_is_not_distributed_and_says_how_to_be():
    run = train_case("nonsaturating", "auto", steps=2)
    assert run.world_size == 1
    with pytest.raises(ValueError, match="torchrun"):
        train_case("nonsaturating", True, steps=2)
    with pytest.raises(ValueError, match="distributed must be"):
        train_case("nonsaturating", "yes", steps=2)


# --------------------------------------------------------------------------- resume
RESUMABLE = textwrap.dedent("""
    import os, signal, sys, torch
    import ganlib
    from ganlib import data, nets, objectives
    torch.set_num_threads(1)

    def run(path, kill_at=None, steps=30):
        def hook(run, step):
            if step == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)        # no clean-up: a real kill
        G, D = nets.mlp(4, 2, hidden=(32, 32), seed=0), nets.mlp(2, 1, hidden=(32, 32), seed=1)
        return ganlib.train(G, D, data.ring(), objectives.WassersteinGP(), steps=steps,
                            batch_size=16, n_critic=2, lr_g=1e-3, lr_d=1e-3, seed=7,
                            snapshot_every=10, progress=False, checkpoint=path,
                            checkpoint_every=5, hooks=(hook,), distributed=False, device="cpu")
""")


def test_a_killed_run_resumes_from_its_checkpoint_and_ends_as_if_never_stopped(tmp_path):
    # exact on the CPU; on CUDA a fresh process may round differently (an H200 gave 6e-8)
    path = str(tmp_path / "run.pt")
    script = RESUMABLE + f"run({path!r}, kill_at=17)\n"
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    saved = torch.load(path, weights_only=True)                 # the checkpoint of step 15
    assert saved["format"] == "ganlib.Run/1"
    namespace = {}
    exec(RESUMABLE, namespace)
    resumed = namespace["run"](path)
    straight = namespace["run"](str(tmp_path / "straight.pt"))
    for a, b in ((resumed.G, straight.G), (resumed.D, straight.D)):
        for (key, x), y in zip(a.state_dict().items(), b.state_dict().values()):
            assert torch.equal(x, y), key
    assert resumed.history == straight.history
    assert [s for s, _ in resumed.snapshots] == [s for s, _ in straight.snapshots] == [0, 10, 20, 30]
    for (_, x), (_, y) in zip(resumed.snapshots, straight.snapshots):
        assert torch.equal(x, y)
    # a finished run's checkpoint is the run: asking again trains nothing, asking for more
    # steps trains on
    again = namespace["run"](path)
    assert again.history == straight.history
    longer = namespace["run"](path, steps=35)
    assert longer.steps_done == 35 and longer.history["g_loss"][:30] == straight.history["g_loss"]


def test_a_checkpoint_of_other_settings_is_refused(tmp_path):
    path = str(tmp_path / "run.pt")
    G, D = nets.mlp(4, 2, hidden=(8,), seed=0), nets.mlp(2, 1, hidden=(8,), seed=1)
    ganlib.train(G, D, data.ring(), objectives.NonSaturating(), steps=3, batch_size=8,
                 progress=False, checkpoint=path)
    G, D = nets.mlp(4, 2, hidden=(8,), seed=0), nets.mlp(2, 1, hidden=(8,), seed=1)
    with pytest.raises(ValueError, match=r"another run: lr_d = 0\.0002 there, 0\.001 here"):
        ganlib.train(G, D, data.ring(), objectives.NonSaturating(), steps=3, batch_size=8,
                     lr_d=1e-3, progress=False, checkpoint=path)
    with pytest.raises(ValueError, match="more than steps = 2"):
        ganlib.train(G, D, data.ring(), objectives.NonSaturating(), steps=2, batch_size=8,
                     progress=False, checkpoint=path)
    with pytest.raises(ValueError, match="checkpoint_every needs checkpoint="):
        ganlib.train(G, D, data.ring(), objectives.NonSaturating(), steps=2, checkpoint_every=1,
                     progress=False)
    # a run saved by Run.save (no optimiser states) cannot be resumed exactly: said so
    run = ganlib.train(G, D, data.ring(), objectives.NonSaturating(), steps=2, batch_size=8,
                       progress=False)
    run.resume_state = None
    run.save(path)
    with pytest.raises(ValueError, match="cannot resume"):
        ganlib.train(G, D, data.ring(), objectives.NonSaturating(), steps=2, batch_size=8,
                     progress=False, checkpoint=path)


# --------------------------------------------------------------------------- command lines
def env_one_thread():
    return dict(os.environ, OMP_NUM_THREADS="1", GANLIB_PROGRESS="0")


def torchrun(*args, timeout=240):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
           *args]
    proc = subprocess.run(cmd, cwd=ROOT, env=env_one_thread(), capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_the_command_line_trains_writes_logs_and_resumes(tmp_path):
    import csv
    import json

    import ganlib.train as cli          # the module, which still trains when called as ganlib.train
    out = str(tmp_path / "run")
    args = ["--out", out, "--data", "grid", "--objective", "lsgan", "--hidden", "32", "--steps",
            "25", "--checkpoint-every", "10", "--no-progress"]
    run = cli.main(args)
    assert sorted(os.listdir(out)) == ["config.json", "history.csv", "run.pt", "samples.png"]
    with open(os.path.join(out, "history.csv")) as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["step"]) for r in rows] == list(range(1, 26))
    assert float(rows[-1]["g_loss"]) == pytest.approx(run.history["g_loss"][-1])
    config = json.load(open(os.path.join(out, "config.json")))
    assert config["objective"] == "lsgan" and config["ganlib_version"] == ganlib.__version__
    # train on from the saved settings: the checkpoint is resumed, the log goes on
    more = cli.main(["--config", os.path.join(out, "config.json"), "--steps", "40"])
    assert more.steps_done == 40 and more.history["g_loss"][:25] == run.history["g_loss"]
    with open(os.path.join(out, "history.csv")) as fh:
        assert len(list(csv.DictReader(fh))) == 40
    G, D = nets.mlp(8, 2, hidden=(32, 32)), nets.mlp(2, 1, hidden=(32, 32))
    assert ganlib.Run.load(os.path.join(out, "run.pt"), G, D).steps_done == 40
    assert callable(ganlib.train) and ganlib.train is cli
    for bad, message in ((["--steps", "5"], "--out is required"),
                         (["--out", out, "--objective-args", "{lam"], "not JSON"),
                         (["--out", out, "--objective", "nope"], "invalid choice")):
        with pytest.raises(SystemExit):
            cli.main(bad)


def test_the_command_line_trains_on_a_folder_of_images(tmp_path):
    from PIL import Image
    import ganlib.train as cli
    folder = tmp_path / "faces"
    folder.mkdir()
    rng = torch.Generator().manual_seed(0)
    for i in range(6):
        pixels = torch.randint(0, 256, (20, 24, 3), generator=rng, dtype=torch.uint8).numpy()
        Image.fromarray(pixels).save(folder / f"{i}.png")
    run = cli.main(["--out", str(tmp_path / "run"), "--data", str(folder), "--image-size", "16",
                    "--width", "4", "--latent-dim", "8", "--steps", "2", "--batch-size", "4",
                    "--no-progress"])
    assert run.snapshots[-1][1].shape == (64, 3, 16, 16)
    assert os.path.exists(tmp_path / "run" / "samples.png")


def test_torchrun_launches_the_command_line_across_two_processes(tmp_path):
    proc = torchrun("-m", "ganlib.train", "--out", str(tmp_path / "run"), "--data", "ring",
                    "--hidden", "16", "--steps", "6", "--batch-size", "8", "--no-progress")
    assert "2 process(es)" in proc.stderr
    assert os.path.exists(tmp_path / "run" / "run.pt")


def test_the_study_sharded_over_two_ranks_equals_the_single_process_study(tmp_path):
    import json

    from ganlib import study
    options = dict(data="grid", seeds=(0, 1), steps=15)
    settings = study.settings(["nonsaturating", "wgan-gp", "wgan"], trials=2, seed=4)
    one = study.run(settings, progress=False, distributed_mode=False, search_seed=4, **options)
    out = str(tmp_path / "study.json")
    torchrun("-m", "ganlib.study", "--out", out, "--data", "grid", "--models", "nonsaturating",
             "wgan-gp", "wgan", "--trials", "2", "--search-seed", "4", "--seeds", "0", "1",
             "--steps", "15", "--no-progress")
    sharded = json.load(open(out))
    assert sharded == json.loads(json.dumps(one))
    assert [r["index"] for r in sharded["results"]] == list(range(6))
    assert all(len(r["seeds"]) == 2 for r in sharded["results"])


def test_study_settings_are_reproducible_and_checked():
    from ganlib import study
    a, b = study.settings(trials=3, seed=1), study.settings(trials=3, seed=1)
    assert a == b and len(a) == 3 * len(study.MODELS)
    assert all(1e-4 <= s["lr"] <= 1e-2 for s in a if s["model"] == "nonsaturating")
    with pytest.raises(ValueError, match="unknown"):
        study.settings(["dcgan"])
    with pytest.raises(ValueError, match="trials"):
        study.settings(trials=0)


def test_a_lone_rank_variable_is_not_a_launch(monkeypatch):
    from ganlib import distributed
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "1")
    monkeypatch.delenv("MASTER_ADDR", raising=False)
    assert not distributed.launched() and not distributed.context("auto").active
