# Memory and run time of each job, computed from the size of its work: the number of images in the split (read from
# the header of data.safetensors, no torch needed) and the widths of the primary. bench/memory.py checks every
# declared peak against the measured one (Snakemake's benchmark max_rss) on the test, default and full-size configs:
# above it, and at most twice it. A job killed for memory or time is retried (`retries:`) with twice as much, then
# three times (`attempt`).
import json
import math
import struct

# A job that starts Python, imports torch and loads the split, before its data-dependent part. Measured max_rss on
# mnist5k (config/test.yaml, and main's run of the default config): train_primary 781-1,125 MB, analyse_sparsity
# 807-1,170 MB, train_symbiotes 1,078-1,339 MB. On SLURM the job step also holds Snakemake's job wrapper (about
# 140 MB), which the job's own benchmark does not count.
TORCH_JOB_MB = {
    "train_primary": 1350,
    "analyse_sparsity": 1300,
    "mechanism": 1300,
    "train_symbiotes": 1500,
    "validate_ground_truth": 1500,
    "train_mlp": 1350,
    "cross_architecture": 1300,
}
# prepare_data: torch and torchvision, reading the IDX files (max_rss 1,076 MB on mnist5k, 888 MB on Fashion-MNIST).
PREPARE_DATA_MB = 1600
# Jobs without torch: tables, statistics and the paper (pandas, jinja2) peak at 146-180 MB, figures (matplotlib) at
# 162-243 MB (max_rss, config/test.yaml and main's run of the default config).
TABLE_JOB_MB = 280
PLOT_JOB_MB = 320
# provenance reads JSON and benchmark files with the standard library: 22-27 MB.
LIGHT_JOB_MB = 40
# train_symbiotes and validate_ground_truth hold, per training image, the trunk features (conv2 x 7 x 7), the unit
# activations and the per-channel products of fc1 (conv2 x fc1) as float32: once since batches are gathered into
# reused buffers (bench/symbiote_memory.py: 3.5 GB at 60,000 images, 1.4 GB of it the cache), plus a contiguous copy
# of the trunk and transients; 2 copies declared. At full Fashion-MNIST size (bench/memory.py on
# bench/configs/fashion-mnist-subset.yaml) the jobs peak at 3,623-3,750 MB against 5,133 declared; before that change
# (a shuffled copy of everything per epoch) they peaked at 5,687-5,819 MB.
SYMBIOTE_COPIES = 2
# Per image-epoch of the default primary (1.3 M multiply-adds forward): 0.43 ms training a primary alone on a core,
# 1.2 ms training its 30 symbiotes, 56 s for a 17 s job on a loaded machine; declared with ten times that.
SECONDS_PER_IMAGE_EPOCH = {
    "train_primary": 0.005,
    "train_symbiotes": 0.012,
    "validate_ground_truth": 0.017,
}
DEFAULT_MACS = 1.32e6


def split_sizes(path):
    """(training images, test images) from the header of a data.safetensors split."""
    with open(path, "rb") as f:
        header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
    return header["x_train"]["shape"][0], header["x_test"]["shape"][0]


def data_file(input):
    return next(path for path in input if path.endswith("data.safetensors"))


def primary_macs():
    """Multiply-adds of one forward pass of the configured primary (28 x 28 input, two 3 x 3 convs, two pools)."""
    a = config["architecture"]
    return (
        784 * 9 * a["conv1"]
        + 196 * 9 * a["conv1"] * a["conv2"]
        + 49 * a["conv2"] * a["fc1"]
        + 10 * a["fc1"]
    )


def symbiote_image_mb():
    """MB per training image held by symbiote training: trunk, units and channel products, float32."""
    a = config["architecture"]
    floats = a["conv2"] * 49 + (a["conv2"] + a["fc1"]) + a["conv2"] * a["fc1"]
    return SYMBIOTE_COPIES * 4 * floats / 2**20


def job_mb(name, n_train, n_test):
    """Declared peak memory (MB) of one job of rule `name` on a split of n_train + n_test images, first attempt."""
    images = n_train + n_test
    if name in ("train_symbiotes", "validate_ground_truth"):
        return TORCH_JOB_MB[name] + n_train * symbiote_image_mb()
    if (
        name == "train_primary"
    ):  # the split as float32, and the test split's activations for polysemanticity
        return TORCH_JOB_MB[name] + images * 3 * 784 * 4 / 2**20
    if name == "analyse_sparsity":  # each seed's models evaluated on the test split
        return TORCH_JOB_MB[name] + len(config["seeds"]) * n_test * symbiote_image_mb()
    if (
        name == "train_mlp"
    ):  # the split as float32, and K = classes copies of a batch through the MLP
        return TORCH_JOB_MB[name] + images * 3 * 784 * 4 / 2**20
    if (
        name == "cross_architecture"
    ):  # one CNN and one MLP at a time on half the test split
        return TORCH_JOB_MB[name] + n_test * symbiote_image_mb()
    if name == "mechanism":  # one model at a time, gated three ways on the test split
        return TORCH_JOB_MB[name] + n_test * symbiote_image_mb()
    raise ValueError(f"no memory model for rule {name}")


def mem_mb(name):
    """resources: mem_mb of a torch rule `name` whose input holds data.safetensors, scaled by the attempt."""

    def declared(wildcards, input, attempt):
        return attempt * math.ceil(job_mb(name, *split_sizes(data_file(input))))

    return declared


def trained_images(section, n_train, batch_size=None):
    """Images one model's training in config `section` goes through: its step budget in batches, else its epochs."""
    budget = config[section]
    if budget["steps"] is None:
        return budget["epochs"] * n_train
    return budget["steps"] * (batch_size or budget["batch_size"])


def runtime(name):
    """resources: runtime in minutes of a torch rule `name`, 10 minutes of start-up and slack plus its training."""

    def declared(wildcards, input, attempt):
        n_train, n_test = split_sizes(data_file(input))
        images = {
            "train_primary": trained_images("primary", n_train),
            "train_symbiotes": trained_images("symbiote", n_train),
            "validate_ground_truth": trained_images(
                "ground_truth", n_train, config["primary"]["batch_size"]
            )
            + trained_images("symbiote", n_train),
        }
        if name == "analyse_sparsity":
            work = len(config["seeds"]) * n_test * 0.05
        elif name == "train_mlp":  # primaries, symbiotes and analysis of every seed
            work = len(config["seeds"]) * (
                trained_images("primary", n_train) * 0.005 + n_test * 0.05
            )
        elif name == "cross_architecture":  # every seed of one level
            work = len(config["seeds"]) * n_test * 0.01
        elif name == "mechanism":
            work = len(config["seeds"]) * len(config["sparsities"]) * n_test * 0.01
        else:  # train_primary and train_symbiotes: every seed of a level in one job
            models = len(config["seeds"]) if name != "validate_ground_truth" else 1
            work = models * images[name] * SECONDS_PER_IMAGE_EPOCH[name]
        return attempt * (10 + math.ceil(work * primary_macs() / DEFAULT_MACS / 60))

    return declared
