@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// A plugin compiled outside the package, against fairlab_plugin.h alone, found through --plugins and
/// FAIRLAB_PLUGIN_PATH.
@Suite struct ExternalPluginTests {
    /// An in-processing method predicting each group's training majority label: trivial, but it exercises
    /// descriptors, parameters, groups at predict time and the prediction contract from plain C.
    static let source = #"""
    #include <string.h>
    #include <stdlib.h>
    #include "fairlab_plugin.h"

    static const fl_param_descriptor flip = {sizeof(fl_param_descriptor), FAIRLAB_ABI_VERSION, "flip",
        "predict the minority label instead", FL_PARAM_BOOLEAN, "false", 0, 1, NULL};
    static const fl_param_descriptor *const params[] = {&flip};
    static const fl_method_descriptor descriptor = {sizeof(fl_method_descriptor), FAIRLAB_ABI_VERSION,
        "group-majority", "Group majority label", "0.1.0", "Predicts each group's majority training label.",
        FL_STAGE_IN, FL_NEEDS_LABELS | FL_NEEDS_GROUPS_AT_PREDICT, 1, params};
    static const fl_method_descriptor passthrough = {sizeof(fl_method_descriptor), FAIRLAB_ABI_VERSION,
        "learner-passthrough", "The host's learner through the ABI", "0.1.0", "Trains the host's base learner and predicts with it.",
        FL_STAGE_IN, FL_NEEDS_LABELS | FL_NEEDS_BASE_LEARNER, 0, NULL};
    static const fl_method_descriptor *const methods[] = {&descriptor, &passthrough};

    typedef struct { int flip; double majority[64]; const fl_host *host; fl_model model; } state_t;

    static fl_status learner_fit(const fl_method *self, const fl_data *train, const fl_data *validation, fl_error *error) {
        (void)validation;
        state_t *state = self->state;
        const fl_learner *learner = state->host->learner;
        return learner->fit(learner->context, train->features, train->labels, NULL, &state->model, error);
    }

    static fl_status learner_predict(const fl_method *self, const fl_data *data, fl_prediction_output *out, fl_error *error) {
        const state_t *state = self->state;
        const fl_learner *learner = state->host->learner;
        fl_status status = learner->predict_scores(learner->context, state->model, data->features, out->scores, error);
        if (status != FL_OK) return status;
        for (int64_t i = 0; i < data->rows; i++) out->predictions[i] = out->scores[i] > 0.5;
        out->predictions_written = data->rows;
        out->scores_written = data->rows;
        return FL_OK;
    }

    static void destroy(const fl_method *self) { free(self->state); free((void *)self); }

    static fl_status fit(const fl_method *self, const fl_data *train, const fl_data *validation, fl_error *error) {
        (void)validation;
        state_t *state = self->state;
        double positives[64] = {0}, rows[64] = {0};
        if (train->groups->count > 64) return fl_error_set(error, FL_ERROR_UNSUPPORTED, "at most 64 groups");
        for (int64_t i = 0; i < train->rows; i++) {
            rows[train->group_codes[i]] += 1;
            positives[train->group_codes[i]] += train->labels[i];
        }
        for (int g = 0; g < train->groups->count; g++)
            state->majority[g] = (positives[g] * 2 > rows[g]) != state->flip;
        return FL_OK;
    }

    static fl_status predict(const fl_method *self, const fl_data *data, fl_prediction_output *out, fl_error *error) {
        (void)error;
        const state_t *state = self->state;
        for (int64_t i = 0; i < data->rows; i++) out->predictions[i] = state->majority[data->group_codes[i]];
        out->predictions_written = data->rows;
        return FL_OK;
    }

    static fl_status create(const char *id, const fl_host *host, const fl_param_values *values, const fl_method **instance, fl_error *error) {
        int is_majority = strcmp(id, descriptor.id) == 0;
        if (!is_majority && strcmp(id, passthrough.id) != 0) return fl_error_set(error, FL_ERROR_INVALID_INPUT, "no method %s", id);
        fl_method *method = calloc(1, sizeof(fl_method));
        state_t *state = calloc(1, sizeof(state_t));
        state->flip = is_majority && values->numbers[0] != 0;
        state->host = host;
        method->struct_size = sizeof(fl_method);
        method->abi_version = FAIRLAB_ABI_VERSION;
        method->state = state;
        method->destroy = destroy;
        method->fit = is_majority ? fit : learner_fit;
        method->predict = is_majority ? predict : learner_predict;
        *instance = method;
        return FL_OK;
    }

    static const fl_library library = {sizeof(fl_library), FAIRLAB_ABI_VERSION, "org.example.majority",
        "Majority", "example", "0.1.0", 2, methods, create};

    const fl_library *fairlab_plugin_entry(uint32_t host_abi_version) {
        return host_abi_version >= FAIRLAB_ABI_VERSION ? &library : NULL;
    }
    """#

    @Test func aPluginBuiltAgainstTheHeaderAloneJoinsTheComparison() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.source.write(toFile: folder + "/majority.c", atomically: true, encoding: .utf8)
        let header = TestEnvironment.packageRoot.appendingPathComponent("Sources/CFairlabPlugin/include").path
        let compile = try TestEnvironment.run(
            "/usr/bin/env", ["cc", "-std=c11", "-Wall", "-Werror", "-shared", "-fPIC", "-I", header, folder + "/majority.c", "-o", folder + "/libmajority.so"])
        #expect(compile.status == 0, "cc: \(compile.stderr)")

        let viaOption = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("german"), "--plugins", folder, "--methods", "group-majority,reweighing"])
        #expect(viaOption.status == 0, "stderr: \(viaOption.stderr)")
        let row = viaOption.stdout.split(separator: "\n").first { $0.hasPrefix("| group-majority ") }
        #expect(row?.contains("| in ") == true && row?.contains("| ok ") == true, "stdout: \(viaOption.stdout)")

        let viaEnvironment = try TestEnvironment.fairlab(
            ["compare", TestEnvironment.dataset("german"), "--methods", "group-majority", "--param", "group-majority.flip=true"],
            environment: ["FAIRLAB_PLUGIN_PATH": folder])
        #expect(viaEnvironment.status == 0, "stderr: \(viaEnvironment.stderr)")
        #expect(viaEnvironment.stdout.contains("| group-majority "))

        // Training the host's learner through the ABI gives exactly the baseline's predictions.
        let results = folder + "/results.h5"
        let passthrough = try TestEnvironment.fairlab(
            ["compare", TestEnvironment.dataset("german"), "--plugins", folder, "--methods", "learner-passthrough", "--out", results])
        #expect(passthrough.status == 0, "stderr: \(passthrough.stderr)")
        let record = try ResultsFile.read(runID: try ResultsFile.runIDs(in: results)[0], from: results)
        #expect(record.methods.map(\.id) == ["baseline", "learner-passthrough"])
        #expect(record.methods[0].outcomes[0].predictions == record.methods[1].outcomes[0].predictions)
        #expect(record.methods[0].outcomes[0].scores == record.methods[1].outcomes[0].scores)

        // Without the folder, the method is not found: plugins never load from anywhere else by accident.
        let without = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("german"), "--methods", "group-majority"])
        #expect(without.status != 0 && without.stderr.contains("unknown method id 'group-majority'"))
    }

    /// The same plugin built against the version-1 header, as released (Fixtures/abi-v1/fairlab_plugin.h, a
    /// frozen copy): a host of a later ABI loads and runs it, with results equal to the current build's.
    @Test func aVersionOnePluginStillLoadsAndRuns() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.source.write(toFile: folder + "/majority.c", atomically: true, encoding: .utf8)
        let oldHeader = TestEnvironment.packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/abi-v1").path
        let header = try String(contentsOfFile: oldHeader + "/fairlab_plugin.h", encoding: .utf8)
        #expect(header.contains("#define FAIRLAB_ABI_VERSION 1u"))
        try FileManager.default.createDirectory(atPath: folder + "/v1", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/current", withIntermediateDirectories: true)
        let currentHeader = TestEnvironment.packageRoot.appendingPathComponent("Sources/CFairlabPlugin/include").path
        for (include, output) in [(oldHeader, folder + "/v1/libmajority.so"), (currentHeader, folder + "/current/libmajority.so")] {
            let compile = try TestEnvironment.run(
                "/usr/bin/env", ["cc", "-std=c11", "-Wall", "-Werror", "-shared", "-fPIC", "-I", include, folder + "/majority.c", "-o", output])
            #expect(compile.status == 0, "cc: \(compile.stderr)")
        }
        var predictions: [[Double]] = []
        for build in ["v1", "current"] {
            let results = "\(folder)/\(build).h5"
            let run = try TestEnvironment.fairlab([
                "compare", TestEnvironment.dataset("german"), "--plugins", "\(folder)/\(build)", "--methods", "group-majority,learner-passthrough",
                "--out", results])
            #expect(run.status == 0, "\(build): \(run.stderr)")
            let record = try ResultsFile.read(runID: try ResultsFile.runIDs(in: results)[0], from: results)
            #expect(record.methods.allSatisfy { $0.outcomes[0].succeeded }, "\(build): \(record.methods.map { $0.outcomes[0].error })")
            predictions.append(record.methods.flatMap { $0.outcomes[0].predictions })
        }
        #expect(predictions[0] == predictions[1])

        // A version-1 descriptor has no task field (64 bytes, not this header's 72): its method is binary only,
        // so on regression data naming it is a one-line error, and left unnamed it is skipped.
        let named = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("wage"), "--plugins", "\(folder)/v1", "--methods", "group-majority"])
        #expect(named.status != 0 && named.stderr.contains("the dataset is regression, which group-majority cannot handle (they declare binary only)"),
                "stderr: \(named.stderr)")
        let all = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("wage"), "--plugins", "\(folder)/v1", "--bootstrap", "0"])
        let skipped = all.stderr.split(separator: "\n").first { $0.contains("methods that do not handle regression data:") }
        #expect(all.status == 0 && skipped?.contains("group-majority") == true, "stderr: \(all.stderr)")
        // Nor, of course, clustering data (ABI 6).
        let clustering = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("vietnam"), "--plugins", "\(folder)/v1", "--methods", "group-majority"])
        #expect(clustering.status != 0 && clustering.stderr.contains("the dataset is clustering, which group-majority cannot handle"),
                "stderr: \(clustering.stderr)")
    }
}
