"""Results that can be trusted after a crash (issue 14, D1, D10): a sweep directory is resumed only
by the same kernel (content fingerprint, not its name), every chunk file is verified before it is
reused (damaged ones are named and recomputed, never cast or broadcast), and damaged metadata or
array files give an error naming the file."""

import json
import os
import shutil
import warnings

import numpy as np
import pytest

from jaxqtm._fingerprint import digest_arrays
from jaxqtm.sweep import Fixed, Grid, NoProgressMeter, load, sweep

QUIET = NoProgressMeter()
GRID = Grid(x=np.arange(8.0))


def _run(fn, out, **kw):
    return sweep(fn, kw.pop("grid", GRID), chunk=Fixed(4), out=str(out), progress_meter=QUIET, **kw)


def double(x):
    return dict(v=x * 2.0)


def product(x, y):
    return dict(v=x * y)


def test_r14_another_kernel_never_resumes_the_directory(tmp_path):
    # two lambdas (same __qualname__ '<lambda>') in one directory
    out = tmp_path / "lambdas"
    _run(lambda x: dict(v=x * 0 + 1.0), out)
    with pytest.raises(ValueError, match=r"different sweep.*the kernel .*changed: code"):
        _run(lambda x: dict(v=x * 0 + 2.0), out)
    r = _run(lambda x: dict(v=x * 0 + 2.0), out, resume=False)  # the documented way to overwrite
    assert r["v"].tolist() == [2.0] * 8 and r.meta["resumed_chunks"] == 0

    # a kernel edited under the same name ("bug fixed, rerun")
    out = tmp_path / "edited"

    def k(x):
        return dict(v=x * 0 + 1.0)

    _run(k, out)

    def k(x):  # noqa: F811
        return dict(v=x * 0 + 3.0)

    with pytest.raises(ValueError, match=str(out).replace("\\", "\\\\") + r".*different sweep"):
        _run(k, out)

    # the same computation defined again (another line, another name) resumes: nothing recomputed
    def k_again(x):
        return dict(v=x * 0 + 1.0)

    _run(lambda x: dict(v=x * 0 + 1.0), tmp_path / "same")
    again = _run(k_again, tmp_path / "same")
    assert again.meta["resumed_chunks"] == 2 and again.meta["timing"]["points_computed"] == 0


def test_changed_closure_constant_or_helper_is_named(tmp_path):
    def make(scale):
        return lambda x: dict(v=x * scale)

    _run(make(2.0), tmp_path / "c")
    with pytest.raises(ValueError, match="closure:scale"):
        _run(make(3.0), tmp_path / "c")
    assert _run(make(2.0), tmp_path / "c").meta["resumed_chunks"] == 2


def test_opaque_kernel_warns_then_needs_kernel_version(tmp_path):
    class Handle:  # its only description is its memory address
        __slots__ = ()

    h = Handle()

    def k(x):
        return dict(v=x * (1.0 if h is not None else 0.0))

    out = tmp_path / "opaque"
    with pytest.warns(UserWarning, match="cannot fingerprint by content"):
        _run(k, out)
    with pytest.raises(ValueError, match="kernel_version"):
        _run(k, out)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _run(k, out, resume=False, kernel_version="v1")  # vouched for: no warning, resumable
    assert _run(k, out, kernel_version="v1").meta["resumed_chunks"] == 2
    with pytest.raises(ValueError, match="kernel_version"):
        _run(k, out, kernel_version="v2")


def _chunk(out, i):
    return os.path.join(out, "chunks", f"c{i:07d}.npz")


def _resume_warns(out, match):
    with pytest.warns(UserWarning, match=match):
        r = _run(double, out)
    np.testing.assert_array_equal(r["v"], 2.0 * np.arange(8.0))
    np.testing.assert_array_equal(r.codes, 0)
    return r


def test_r15_damaged_chunks_are_named_and_recomputed(tmp_path):
    out = str(tmp_path / "chunks")
    _run(double, out)
    p = _chunk(out, 1)
    z = dict(np.load(p))
    # a length-1 chunk (from another sweep): today it was broadcast over the chunk
    np.savez(p, **(z | dict(v=z["v"][:1], __result__=z["__result__"][:1])))
    r = _resume_warns(out, r"c0000001\.npz is not reused.*does not match the sha256")
    assert r.meta["resumed_chunks"] == 1
    # float32 values with a matching record (written by another sweep): never cast
    z = dict(np.load(p))
    rec = json.loads(str(z["__record__"]))
    v32 = z["v"].astype(np.float32)
    rec["arrays"]["v"] = dict(dtype="float32", shape=[4], sha256=digest_arrays(dict(v=v32))["v"])
    np.savez(p, **(z | dict(v=v32, __record__=np.asarray(json.dumps(rec)))))
    _resume_warns(out, r"c0000001\.npz.*output 'v' has shape \(4,\) and dtype float32")
    # a chunk copied into another place
    shutil.copy(_chunk(out, 0), p)
    _resume_warns(out, r"c0000001\.npz.*places it elsewhere")
    # truncated, empty, garbage: each named in a warning, recomputed (not BadZipFile/EOFError/"pickled")
    data = open(p, "rb").read()
    for bad, match in (
        (data[: len(data) // 2], "cannot be read"),
        (b"", r"empty \(0 bytes\)"),
        (b"\0" * 10, "not an .npz file"),
    ):
        open(p, "wb").write(bad)
        _resume_warns(out, r"c0000001\.npz.*" + match)
    # an intact directory resumes without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _run(double, out).meta["resumed_chunks"] == 2


def test_damaged_manifest_is_an_error_naming_it(tmp_path):
    out = str(tmp_path / "m")
    _run(double, out)
    mpath = os.path.join(out, "manifest.json")
    m = json.load(open(mpath))
    json.dump(m | dict(chunk_size=3), open(mpath, "w"))  # edited: no broadcast error downstream
    with pytest.raises(ValueError, match=r"manifest\.json was modified or damaged"):
        _run(double, out)
    open(mpath, "w").write(json.dumps(m)[:40])  # truncated
    with pytest.raises(ValueError, match=r"manifest\.json cannot be read \(JSONDecodeError.*resume=False"):
        _run(double, out)
    assert _run(double, out, resume=False).meta["resumed_chunks"] == 0


def test_load_names_missing_damaged_or_mismatched_files(tmp_path):
    out = str(tmp_path / "l")
    ref = np.array(_run(product, out, grid=Grid(x=np.arange(6.0), y=[1.0, 2.0]))["v"])  # (a copy of the memmap)
    assert load(out)["v"].shape == (6, 2)
    meta_path = os.path.join(out, "meta.json")
    arr = os.path.join(out, "arrays", "v.npy")
    good = open(arr, "rb").read()
    # altered values (same shape and dtype): the sha256 recorded at the end does not match
    a = np.load(arr)
    a[3] += 1.0
    np.save(arr, a)
    with pytest.raises(ValueError, match=r"v\.npy: its content does not match the sha256"):
        load(out)
    assert load(out, verify=False)["v"][1, 1] == ref[1, 1] + 1.0
    np.save(arr, np.asarray(a, np.float32))  # another dtype: never cast
    with pytest.raises(ValueError, match=r"v\.npy holds an array of shape \(12,\) and dtype float32"):
        load(out, verify=False)
    open(arr, "wb").write(good[:100])  # truncated
    with pytest.raises(ValueError, match=r"v\.npy cannot be read"):
        load(out)
    open(arr, "wb").write(good)
    np.testing.assert_array_equal(load(out)["v"], ref)
    text = open(meta_path).read()
    open(meta_path, "w").write(text[: len(text) // 2])
    with pytest.raises(ValueError, match=r"meta\.json cannot be read"):
        load(out)
    os.remove(meta_path)
    with pytest.raises(FileNotFoundError, match=r"meta\.json does not exist.*no finished sweep"):
        load(out)
    # a re-run finishes it again (every chunk reused) and load() trusts it again
    assert _run(product, out, grid=Grid(x=np.arange(6.0), y=[1.0, 2.0])).meta["resumed_chunks"] == 3
    np.testing.assert_array_equal(load(out)["v"], ref)
