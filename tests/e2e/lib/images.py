"""Small OCI images for the e2e tests: pushed to a registry over plain HTTP, or written as an OCI
image layout directory. Only the standard library is used (urllib, tarfile, gzip, hashlib)."""

import gzip
import hashlib
import io
import json
import os
import tarfile
import urllib.error
import urllib.parse
import urllib.request

MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json"
CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"
HTTP_TIMEOUT = 30


def sha256_digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Image:
    """A one-layer image: `blobs` maps digest -> bytes; `manifest` is the manifest bytes."""

    def __init__(self, label="hello"):
        content = f"hello from the sgn e2e tests ({label})\n".encode()
        tar_buf = io.BytesIO()
        with tarfile.open(fileobj=tar_buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            info = tarfile.TarInfo("hello.txt")
            info.size, info.mtime, info.mode = len(content), 0, 0o644
            tar.addfile(info, io.BytesIO(content))
        layer_tar = tar_buf.getvalue()
        layer = gzip.compress(layer_tar, mtime=0)
        config = json.dumps({
            "architecture": "amd64",
            "os": "linux",
            "config": {"Labels": {"sgn.e2e.label": label}},
            "rootfs": {"type": "layers", "diff_ids": [sha256_digest(layer_tar)]},
        }, sort_keys=True, separators=(",", ":")).encode()
        self.config_desc = {"mediaType": CONFIG_MEDIA_TYPE, "digest": sha256_digest(config), "size": len(config)}
        self.layer_desc = {"mediaType": LAYER_MEDIA_TYPE, "digest": sha256_digest(layer), "size": len(layer)}
        self.manifest = json.dumps({
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA_TYPE,
            "config": self.config_desc,
            "layers": [self.layer_desc],
        }, separators=(",", ":")).encode()
        self.digest = sha256_digest(self.manifest)
        self.blobs = {self.config_desc["digest"]: config, self.layer_desc["digest"]: layer}

    @property
    def manifest_desc(self):
        return {"mediaType": MANIFEST_MEDIA_TYPE, "digest": self.digest, "size": len(self.manifest)}


def _request(method, url, data=None, headers=None, ok=(200, 201, 202)):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        if e.code in ok:
            return e.code, dict(e.headers), e.read()
        body = e.read()[:500].decode(errors="replace")
        raise RuntimeError(f"{method} {url}: HTTP {e.code}: {body}") from None


def push_image(registry_host, repo, tag="v1", image=None):
    """Push `image` (default: a fresh Image labelled with repo) to http://<registry_host>/<repo>:<tag>.

    Returns the Image; its .digest is the manifest digest the registry reports."""
    image = image or Image(label=repo)
    base = f"http://{registry_host}/v2/{repo}"
    for digest, data in image.blobs.items():
        status, _, _ = _request("HEAD", f"{base}/blobs/{digest}", ok=(200, 404))
        if status == 200:
            continue
        _, headers, _ = _request("POST", f"{base}/blobs/uploads/")
        location = urllib.parse.urljoin(base + "/", headers["Location"])
        sep = "&" if "?" in location else "?"
        _request("PUT", f"{location}{sep}digest={urllib.parse.quote(digest)}", data=data,
                 headers={"Content-Type": "application/octet-stream", "Content-Length": str(len(data))})
    _, headers, _ = _request("PUT", f"{base}/manifests/{tag}", data=image.manifest,
                             headers={"Content-Type": MANIFEST_MEDIA_TYPE})
    reported = headers.get("Docker-Content-Digest")
    if reported and reported != image.digest:
        raise RuntimeError(f"registry reported digest {reported}, expected {image.digest}")
    return image


def resolve(registry_host, repo, reference):
    """HEAD the manifest and return its digest (tag -> digest)."""
    _, headers, _ = _request("HEAD", f"http://{registry_host}/v2/{repo}/manifests/{reference}",
                             headers={"Accept": f"{MANIFEST_MEDIA_TYPE}, {INDEX_MEDIA_TYPE}"})
    return headers.get("Docker-Content-Digest")


def list_tags(registry_host, repo):
    _, _, body = _request("GET", f"http://{registry_host}/v2/{repo}/tags/list")
    return json.loads(body).get("tags") or []


def get_manifest(registry_host, repo, reference):
    _, _, body = _request("GET", f"http://{registry_host}/v2/{repo}/manifests/{reference}",
                          headers={"Accept": f"{MANIFEST_MEDIA_TYPE}, {INDEX_MEDIA_TYPE}"})
    return json.loads(body)


def write_oci_layout(path, tag="v1", image=None):
    """Write an OCI image layout (oci-layout, index.json, blobs/sha256/...) holding `image` tagged
    `tag`. Returns the Image. notation addresses it as "<path>:<tag>" or "<path>@<digest>"."""
    image = image or Image(label=os.path.basename(os.path.normpath(path)))
    blob_dir = os.path.join(path, "blobs", "sha256")
    os.makedirs(blob_dir, exist_ok=True)
    for digest, data in list(image.blobs.items()) + [(image.digest, image.manifest)]:
        with open(os.path.join(blob_dir, digest.split(":", 1)[1]), "wb") as f:
            f.write(data)
    with open(os.path.join(path, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    desc = dict(image.manifest_desc, annotations={"org.opencontainers.image.ref.name": tag})
    with open(os.path.join(path, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": INDEX_MEDIA_TYPE, "manifests": [desc]}, f)
    return image


def read_oci_index(path):
    with open(os.path.join(path, "index.json")) as f:
        return json.load(f)
