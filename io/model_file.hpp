// The file of a trained propensity model: self-describing HDF5, written by `train` (rank 0,
// serially, atomically), to be read by `score --model` (planned), which will refuse a model trained for another
// campaign, universe or outcome rule. Everything the model needs to score and everything it was
// trained for is in the file; nothing refers to another file.
//
// ---- The layout (format "signalrank-model 1"): a contract a reader in any language may rely on ----
//
// Root attributes, every one present, each a scalar:
//   format         string   "signalrank-model 1" (a reader refuses any other value)
//   kind           string   "logistic" (the only kind so far)
//   campaign       string   the campaign's name (letters, digits, '_', '-'; at most 255 bytes)
//   campaign_toml  string   the campaign file's whole text (UTF-8, at most 60 KiB, no NUL)
//   codes          string   the matched codes, comma-separated, sorted (byte order), distinct
//   as_of          string   train's --as-of, a Monday, YYYY-MM-DD
//   version        string   the signalrank version that wrote the file
//   created_utc    string   YYYY-MM-DDTHH:MM:SSZ
//   providers      int64    the universe's provider count, >= 1
//   horizon        int64    the outcome horizon in weeks, 1..520
//   rows           int64    training examples, >= 1
//   positives      int64    of which converted, 0..rows
//   alpha          float64  the outcome rule (kernels/outcome.hpp): in (0, 0.5]
//   margin, min_increase, trigger_min   float64, finite and >= 0
//   platt_a, platt_b                    float64, finite
// Datasets, all one-dimensional:
//   /features/name   d fixed-width NUL-padded strings, d >= 1: the feature names, in column order
//   /features/mean   d float64, finite
//   /features/sd     d float64, finite and > 0
//   /coefficients    d + 1 float64, finite: the weights on the standardised features, then the
//                    intercept
//   /origins         fixed-width strings, at least 2: the training origins (Mondays, YYYY-MM-DD),
//                    strictly descending (newest first), none after as_of; /origins[0] is the
//                    calibration origin
//   /metrics/name    m fixed-width strings (m >= 0; the datasets exist when m = 0), names as for
//                    /features/name
//   /metrics/value   m float64, finite or NaN (a metric that could not be computed)
// A name (feature or metric) is 1 to 64 bytes of a-z, 0-9 and '_', and the names of a dataset
// are distinct. Every string is UTF-8 without a NUL byte inside; a fixed-width string is padded
// with NULs after its last byte (a dataset is as wide as its longest string, attributes as their
// value). Attributes and datasets beyond these are ignored.
//
// The model: for a provider with features x (in /features/name's order),
//   z_j = (x_j - mean_j) / sd_j,  eta = sum_j coefficients_j z_j + coefficients_d,
//   p   = 1 / (1 + exp(-(platt_a * eta + platt_b))).
//
// In Python (h5py gives fixed-width strings as bytes):
//   with h5py.File(path) as f:
//       names = [n.decode() for n in f["features/name"][:]]
//       mean, sd, beta = f["features/mean"][:], f["features/sd"][:], f["coefficients"][:]
//       eta = ((x - mean) / sd) @ beta[:-1] + beta[-1]
//       p = 1 / (1 + np.exp(-(f.attrs["platt_a"] * eta + f.attrs["platt_b"])))
// A Python writer may store strings as fixed-width or variable-length attributes and the float64
// values as integers where they are whole; integer values must be stored as integers.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace signalrank {

// The format this signalrank writes and the only one it reads.
inline constexpr const char* kModelFormat = "signalrank-model 1";

struct PropensityModel {
  // The model's kind: "logistic" is the only one so far ("boosted" will come later; read_model
  // refuses a kind it does not know, so an older signalrank never scores with a newer model).
  std::string kind = "logistic";
  // The d feature names, in column order: distinct, 1 to 64 bytes of [a-z0-9_].
  std::vector<std::string> feature_names;
  // d each: the standardisation z = (x - mean) / sd; finite, sd > 0.
  std::vector<double> mean, sd;
  // d + 1: the weights on z, then the intercept; finite.
  std::vector<double> coefficients;
  // The calibration p = 1 / (1 + exp(-(platt_a * eta + platt_b))), eta the linear predictor; finite.
  double platt_a = 1, platt_b = 0;

  // What the model was trained for (score --model refuses a mismatch):
  std::string campaign;       // the campaign's name
  std::string campaign_toml;  // the campaign file's text
  std::string codes;          // the campaign's matched codes, comma-separated, sorted
  std::uint64_t providers = 0;  // the universe's provider count
  std::int64_t horizon = 13;    // weeks, 1..520
  // The outcome rule (kernels/outcome.hpp); finite, alpha in (0, 0.5], the others >= 0.
  double alpha = 0.01, margin = 0.2, min_increase = 5, trigger_min = 5;
  std::string as_of;  // train's --as-of, a Monday YYYY-MM-DD (it may be in the future)
  // The training origins, Mondays, strictly descending (newest first), none after as_of, at least
  // 2; origins[0] is the calibration origin.
  std::vector<std::string> origins;
  std::uint64_t rows = 0, positives = 0;  // training examples (the fitted origins') and their positives

  // Out-of-time metrics on the calibration origin, as (name, value) pairs: names as
  // feature_names, values finite or NaN (not computed).
  std::vector<std::pair<std::string, double>> metrics;
  // Provenance: the writer's SIGNALRANK_VERSION (a compile definition of the commands, which
  // fill it in, as they do a snapshot's) and the time of training, utc_now() (io/dates.hpp).
  std::string version, created_utc;
};

// Why `m` cannot be written or read as a model, as (the file's name of the attribute or dataset
// at fault, the reason), or two empty strings when it is valid. The rules are those of the layout
// above; a row of a dataset is named by its 0-based index.
std::pair<std::string, std::string> model_problem(const PropensityModel& m);

// Writes `m` to `path` atomically, serially (rank 0 calls it). Refuses, before anything is
// created:
//   - invalid content (model_problem): std::invalid_argument
//     "<path>: cannot write the model: field '<name>': <reason>" — a bug of the caller;
//   - a path the file system cannot hold (with its temporary name), a missing folder or one that
//     is not a folder: std::runtime_error "<path>: cannot write the model: <reason>".
// The folder is not created: it must exist. Any failure of the write itself (a read-only folder, a
// full disk) is a std::runtime_error "<path>: cannot write the model: <reason> (its temporary file
// was removed)" and leaves no file and no temporary file; an earlier file at `path` stays as it
// was. A successful write removes the stale temporary files of ended runs from the folder.
void write_model(const std::string& path, const PropensityModel& m);

// Reads and validates the model at `path`. Every problem is an InputError (exit code 2) on one
// line, values quoted with text::quote (bounded, control bytes as \xNN):
//   - the whole file: "<path>: <reason>" — "no such file" (also when the folder is missing),
//     "not an HDF5 file, or it cannot be opened", "a damaged or truncated HDF5 file (HDF5 cannot
//     open it)";
//   - one attribute or dataset: "<path>: field '<name>': <reason>" — another format (checked
//     first), an unknown kind (second), a missing one, one of another type or shape, and any
//     content model_problem refuses, with model_problem's reason.
PropensityModel read_model(const std::string& path);

}  // namespace signalrank
