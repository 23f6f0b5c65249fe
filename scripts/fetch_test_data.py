"""Fetch the real photographs and videos the tests use, from their upstream repositories.

    python scripts/fetch_test_data.py [DEST]

Each file comes from the GitHub repository and commit named below and is checked against a pinned
sha256 (with PyPI ``pooch``, in the test extras); a file that is already there and matches is not
fetched again. DEST is laid out like ``../shared/datasets`` (one folder per data set, each keeping
its upstream LICENSE). Without DEST the files go to a per-user cache folder that the tests also look
in; with DEST, point the tests at it with ``POSTURE_WATCH_TEST_DATA=DEST``. About 10 MB.

What each data set shows is described in ``../shared/datasets/README.md``; all are MIT-licensed but
``head-turn-look-up`` (Apache-2.0, from MediaPipe's documentation).

Not fetched: ``side-view-desk`` (github.com/m-nweke/OpenPosture, commit 5208eb24,
``API/sample_images/``). The copy in ``../shared/datasets`` was downscaled to 1600 px on the long
edge, so its hashes are not those of the upstream files, and the upstream hashes could not be
recorded here. No test uses it; a test that does should say where to get it.
"""

from __future__ import annotations

import argparse
import sys
import urllib.parse
from pathlib import Path

from platformdirs import user_cache_path

# Where the files go without DEST; tests/testdata.py looks here after $POSTURE_WATCH_TEST_DATA
# and ../shared/datasets.
DEFAULT_DEST = user_cache_path("posture-watch", appauthor=False) / "test-data"


def url(dataset: str, subfolder: str, name: str) -> str:
    """The address of one file at the pinned commit (github.com/.../raw/ also serves Git LFS files)."""
    repo, commit, folder = UPSTREAM[dataset]
    path = "LICENSE" if (subfolder, name) == ("", "LICENSE") else "/".join(filter(None, (folder, subfolder, name)))
    return f"https://github.com/{repo}/raw/{commit}/{urllib.parse.quote(path)}"


# Data set: (repository, commit, folder in the repository). LICENSE is at the repository root.
UPSTREAM = {
    "slouching-or-not": ("SlouchingOrNot/via-posenet", "291a0507", "datasets"),
    "side-view-sitting": ("nvinayvarma189/Sitting-Posture-Recognition", "16889c19", "sample_images"),
    "neutral-front-video": ("vardanagarwal/Proctoring-AI", "4f284a3f", "eye_tracking"),
    "head-turn-look-up": ("google-ai-edge/mediapipe", "63e679d9", "docs/images/mobile"),
}

# (data set, subfolder): {file name: sha256}. Computed from ../shared/datasets, whose copies of
# these data sets are the upstream files unchanged (that is how ../shared/datasets/README.md
# describes them; the GIF's upstream hash could not be checked from here, without the network).
FILES: dict[tuple[str, str], dict[str, str]] = {}
FILES["slouching-or-not", ""] = {
    "LICENSE": "1c9e62c4dad9caad81a1d5118f6f25cdae8fd4c5c32795cd2e998146115c90cf",
}
FILES["slouching-or-not", "low-isSlouching__high-notSlouching"] = {
    "dataset-info.json": "bf689a36e26b5529eaefd2f8a6217ef184d61772354870dd46018b915988e60b",
}
FILES["slouching-or-not", "low-isSlouching__high-notSlouching/isSlouching"] = {
    "sample-1542640808958-0.jpg": "8a65c4e772f8e0ffbdc3336ca0c73589fabc4e6aa379f2faafcca8fe5be546d3",
    "sample-1542640808958-1.jpg": "8246ae38ef428290beb0c6f788b400b352a4884c303a95c088ecc85435654567",
    "sample-1542640808958-2.jpg": "9f8f09c069edbce06f64ddcccc5bfc25d05346d790cd04cf3b8671e52251efce",
    "sample-1542640808958-3.jpg": "9271ed719c96bd12386922202f9f05cae40a04e945e6585dfbb859e771b4521c",
    "sample-1542640808958-4.jpg": "2eb4da3ac2afa751183e9b1cd1524040a19bcdf045b202dee40f9df541ee162c",
    "sample-1542640808958-5.jpg": "8ea78e43a171c03a14cef7c5dee3e9b34f744ddff7d492e86f19bff8a02ded59",
    "sample-1542640808958-6.jpg": "3bd393e57cf48d16cfa32410fe82c1eaa9fa307a38b61d63dfd9506e44c58ade",
    "sample-1542640808958-7.jpg": "0e2d5c517543117eee6f3e9437bc166e5d2515c9c14aca41129ba9580cb79a89",
    "sample-1542640808958-8.jpg": "9cd7fc3fbe73de8c2a22f063e0f3020f731a268251eea1f031c741359410f698",
    "sample-1542640808958-9.jpg": "632b9fdcdbedeaa9abc255a7a97300c264cdd6b44792b5b9c51ae9fc478df177",
    "sample-1542640808958-10.jpg": "9c024aa991c0641b000744ec14dfbc45a5c326adf60423ba54cf1f672373bb72",
    "sample-1542640808958-11.jpg": "b036827adc5f964406a1c2e29543734775c184bfd4521311e09c07eb6f09c584",
    "sample-1542640808958-12.jpg": "e25f006670b152501282a8b264787d6c6eff0c74a8aa94080973587a1ae51d42",
    "sample-1542640808958-13.jpg": "abe7cc12d7d46511c9e77a12b1136c379210bd8a49fd98e9ae74cb6b73c54a63",
    "sample-1542640808958-0.posenet.json": "8f4e11566eba9affc8e355cd92fbaabd0690b06db799cda4697538ed8a2da877",
    "sample-1542640808958-1.posenet.json": "16a7da90844703e627901216a68b2f5ef856950f2d55c8b43ba29f05e8342229",
    "sample-1542640808958-2.posenet.json": "2cacbe710a08dd931c9df447d5de5686f3949e686c57f7027e914326ae2c81cf",
    "sample-1542640808958-3.posenet.json": "fbdc0a74024519964a1ea3d2e9d5986012a60d0a8a4c3f6b2ecd87d36a49032b",
    "sample-1542640808958-4.posenet.json": "7d61e3e798f74f919f75132912c8b78c0796b274d127de1bfa320a2a2d894d76",
    "sample-1542640808958-5.posenet.json": "9a1332cf246b8c0c0066f320e86b23d6d5ae2cc3ec6a553257940e1765fd88b8",
    "sample-1542640808958-6.posenet.json": "a927ebdce100ce33d2fb13b45325fd1b6f3eae72f043c0d14ba69f54663b5664",
    "sample-1542640808958-7.posenet.json": "f1da49a2931e6bb8feca2bc16cb60c69e0bcce64bfc06779a728d292f3f752da",
    "sample-1542640808958-8.posenet.json": "77b4618ae01f80d71c3e9f1245e3af91281927e77ed106928478208df06cec00",
    "sample-1542640808958-9.posenet.json": "c752a9b543cf9f24e1fc6c6323dce02b636ac27241efecd92a556d1efb521c20",
    "sample-1542640808958-10.posenet.json": "b122157e49414129551811e7fe7306a49cb1cd190b5beb5d9e3ec7bbb2e5a4cd",
    "sample-1542640808958-11.posenet.json": "a2bcdd18f54a11fa60189a908b068d6d81fcfc4b15a51613ab701ad9a0d1e2e1",
    "sample-1542640808958-12.posenet.json": "266787bdab89797616acaecb4e75634cc1f55b35237fb72ddf7975ca2150e8da",
    "sample-1542640808958-13.posenet.json": "029f5d4b973b101f8fe358dccda3d222df65494e1aa0fdfcd574f51da7f49a3c",
}
FILES["slouching-or-not", "low-isSlouching__high-notSlouching/notSlouching"] = {
    "sample-1542640808958-0.jpg": "9b437b6ed367d40aed9a4cf7b629ef4410794836fc605cb800af01781979d9be",
    "sample-1542640808958-1.jpg": "9ac90decab6a71b626a06fd73fe2c6ac5cb5da0122f509fdcb40492ab4c1ec30",
    "sample-1542640808958-2.jpg": "35768d7808c212b9b388f86980955808514a7a134f0df236f9bcec6412ce8b71",
    "sample-1542640808958-3.jpg": "66bbdeb6c08f82c140f5351dd9266701ae1d09a97b4b3530b1530cc5162775f2",
    "sample-1542640808958-4.jpg": "baf90a9d7c4c694035d95d80bb13c9f1807a81790683175fb89f135754ee2788",
    "sample-1542640808958-5.jpg": "156972036db296c51a6bf3b01bdcbca116cf592db4137a196748e55fd69655b7",
    "sample-1542640808958-6.jpg": "d241fcfafb0ea1d58e84dc7c11aff0761e1737951a94b2255e95283140f42a91",
    "sample-1542640808958-7.jpg": "5336df3299d1831c1ca1c7e62ac84d76f84f345a07082e3e8a1cb37c5f86d486",
    "sample-1542640808958-8.jpg": "2e8045714b1f2d1d7b5dbf0532ae07db624500d96bf2253a50c43c96a640e6eb",
    "sample-1542640808958-9.jpg": "a29e5d164689cc763998d1d44f4f160dc9944dbf209f9a09c46a78f3aaaec6e1",
    "sample-1542640808958-10.jpg": "b9d4a4d6d0e4f64c25af8e1a640eaeea615d98d5b3fe06fc523cc33930a1c2a7",
    "sample-1542640808958-11.jpg": "f3065d6a9f5a32a839e0fd5f4e31a6347520b787ee4cc8bce63ff34656f4b61c",
    "sample-1542640808958-12.jpg": "f6c6f47be431e6d0d1f4bc33041dffca76d8a897a45ce42dff4b4055318725f0",
    "sample-1542640808958-13.jpg": "b94a975a66254e6d77de940d193263decb41ff7cb65753abc00d90e83e4b5b1a",
    "sample-1542640808958-14.jpg": "5fb237de46f2e929de97d798c3ac72d24544901507cca22d13ddef4138719412",
    "sample-1542640808958-0.posenet.json": "cf539b8caba239137259395528b9ec3ef8a8abc4971220c375ddaeef9710aab2",
    "sample-1542640808958-1.posenet.json": "8c10836d28551649b954736da98c448b1dd0ba1b1ae0e859d358e8dfeee47ee9",
    "sample-1542640808958-2.posenet.json": "bb111bb78a04f242e359162254d6a3736b991480b1dee6a3a8947cdb4aa132fc",
    "sample-1542640808958-3.posenet.json": "c56bbbe5137a400b9308b78585f12f122840158492a94097943d4f8c1db98e57",
    "sample-1542640808958-4.posenet.json": "bf0f1a0a11526ca5faf75dbe58ee894052ef391ab091098db6a90c7744eaa94a",
    "sample-1542640808958-5.posenet.json": "c20ca0dd9900a6836d71bd12af3c037bec19296ba7240fcd7f2fa7039b3a8374",
    "sample-1542640808958-6.posenet.json": "aec3b4e12e03f2d0a813c35684a1a3e78f9c4d078ba1959882f26f100b9e8efc",
    "sample-1542640808958-7.posenet.json": "73708e227782438c4dbe5666b4ae9ee345aa289f4ec9b367f5b87074dd1b950e",
    "sample-1542640808958-8.posenet.json": "5d98d53437038baeea2d14628e8c480031c5490c60ae597b1de25773ceb15ec9",
    "sample-1542640808958-9.posenet.json": "5c7957b48c2f558ef93dca2bf76c629d3ce3fc8c1c272cad29d5a04453b0bc33",
    "sample-1542640808958-10.posenet.json": "ac407a0f748ee19bee84c6cb1a922cb08b3b67718df21ccce779a37298bb8521",
    "sample-1542640808958-11.posenet.json": "04efd63bab5b7d6b5a2cacb83187a2a2c6ec9e01c99d1e2189bbd0e6057e316b",
    "sample-1542640808958-12.posenet.json": "f13fe6b0b21b657a4d47bc9641ca96be0adaa35f1f3690181b3a751cc357a410",
    "sample-1542640808958-13.posenet.json": "a8da98fd702db4a5f1f584ca9ed5963aba117816559c44253cf3debb4d15b48f",
    "sample-1542640808958-14.posenet.json": "94a4f09efe893d10ad8a80ac29227e505a84f8bf4559631ab9f06471da91a230",
}
FILES["side-view-sitting", ""] = {
    "LICENSE": "7e009e1807906fb1523c34ef737f66bd4eae9b0e6f573331474af82a15353a56",
    "recline.jpg": "ea6711478fb6ec02c066fb75f2e2ef787da38972019b0208c3443711e13c93ba",
    "hunchback.jpg": "6fe2a7dd7c255b9b008902e6af807543635b226228822c2187f83fc850886b22",
    "recline_hf.jpg": "cd10df82b3ba69b9d5a24262e8f02fbe6b38a46924b64a9ad9d4a2e301240b6c",
    "straight_hf.jpg": "fdd917296ebd055358b48d7c2e28eefff00bdbdd51cd4de98b5ae879173d1a38",
    "hunchback_hf.jpg": "e48b1e81375e0d3a622b50deb6463689e5d743cacace81d85c9577364a8287a4",
    "straight_flip.jpg": "ef1e7dbe0564e9c6c899870c31b9551120846ca8ebb4888b52f0dd4b40c01031",
}
FILES["head-turn-look-up", ""] = {
    "LICENSE": "c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4",
    "iris_tracking_example.gif": "668470eb629325656c68de392fa38845b064f26effb1929c72ff4c6db7923828",
}
FILES["neutral-front-video", ""] = {
    "LICENSE": "e4ecd14cc886564f61b82be83ef27daafc2364f7d292f9e0fd18c31f10b7ca16",
    "center_focus.mp4": "06b9e1692c784dcdabf589eaeaed04ccaa63149abfe6b93b67b62100ab4ce61e",
    "center_left_center.mp4": "37bfb104d2d280ae704ff1cdcbd85dfa2584974813be1b3863e8f3d156158853",
    "center_right_center.mp4": "6f3344c52ece6e8b9fd3b39a7aec592cdaa6b3929e9e4c5ae70bef490966469b",
}


def fetch(dest: Path, names: list[str] | None = None) -> int:
    """Fetch (or check) every file of the named data sets into ``dest``; returns the files in place."""
    import pooch

    count = 0
    for (dataset, subfolder), files in FILES.items():
        if names and dataset not in names:
            continue
        for file, sha256 in files.items():
            pooch.retrieve(
                url(dataset, subfolder, file),
                known_hash=f"sha256:{sha256}",
                fname=file,
                path=dest / dataset / subfolder,
                progressbar=False,
            )
            count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", nargs="?", type=Path, default=DEFAULT_DEST, help=f"default: {DEFAULT_DEST}")
    parser.add_argument("--only", action="append", choices=list(UPSTREAM), help="fetch only this data set")
    args = parser.parse_args(argv)
    try:
        import pooch  # noqa: F401
    except ModuleNotFoundError:
        print("fetch_test_data: needs pooch: pip install '.[test]' (or pip install pooch)", file=sys.stderr)
        return 2
    try:
        count = fetch(args.dest, args.only)
    except (OSError, ValueError) as exc:  # network errors (requests' are OSErrors) and hash mismatches
        print(f"fetch_test_data: {exc}", file=sys.stderr)
        return 1
    print(f"{count} files in {args.dest}")
    if args.dest != DEFAULT_DEST:
        print(f"run the tests with POSTURE_WATCH_TEST_DATA={args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
