import CFairlabPlugin

/// Wraps a Swift `FairlabMethod` in the C `fl_method` table the host calls. The instance's `state` is a
/// retained pointer to the Swift object; it never leaves this library as anything but `void *`.
enum MethodBridge {
    static func makeInstance(_ method: FairlabMethod) -> UnsafePointer<fl_method> {
        let state = Unmanaged.passRetained(Box(method)).toOpaque()
        let instance = UnsafeMutablePointer<fl_method>.allocate(capacity: 1)
        instance.initialize(to: fl_method(
            struct_size: UInt32(MemoryLayout<fl_method>.size), abi_version: FAIRLAB_ABI_VERSION, state: state,
            destroy: { instance in
                guard let instance else { return }
                Unmanaged<Box>.fromOpaque(instance.pointee.state).release()
                UnsafeMutablePointer(mutating: instance).deallocate()
            },
            fit: { instance, train, validation, error in
                call(instance, error) { method in
                    guard let train else { throw PluginError.invalidInput("fit called without training data") }
                    try method.fit(train: DataView(declaredStruct(train)), validation: validation.map { DataView(declaredStruct($0)) })
                }
            },
            transform: { instance, data, output, error in
                call(instance, error) { method in
                    guard let data, let output else { throw PluginError.invalidInput("transform called with NULL") }
                    try method.transform(DataView(declaredStruct(data)), output: TransformOutput(output))
                }
            },
            predict: { instance, data, output, error in
                call(instance, error) { method in
                    guard let data, let output else { throw PluginError.invalidInput("predict called with NULL") }
                    let prediction = PredictionOutput(output)
                    try method.predict(DataView(declaredStruct(data)), output: prediction)
                    output.pointee.predictions_written = output.pointee.rows
                    output.pointee.scores_written = prediction.wroteScores ? output.pointee.rows : 0
                }
            },
            evaluate: { instance, input, sink, error in
                call(instance, error) { method in
                    guard let input, let sink else { throw PluginError.invalidInput("evaluate called with NULL") }
                    try method.evaluate(EvaluationInput(declaredStruct(input)), sink: MetricSink(sink))
                }
            }))
        return UnsafePointer(instance)
    }
}

/// Holds the Swift method behind an instance's `state` pointer.
private final class Box {
    let method: FairlabMethod
    init(_ method: FairlabMethod) { self.method = method }
}

/// Runs `body` on the instance's method, turning a thrown error into a status and a message.
private func call(
    _ instance: UnsafePointer<fl_method>?, _ errorBuffer: UnsafeMutablePointer<fl_error>?, _ body: (FairlabMethod) throws -> Void
) -> fl_status {
    guard let instance else { return report(PluginError.invalidInput("called with a NULL instance"), errorBuffer) }
    let method = Unmanaged<Box>.fromOpaque(instance.pointee.state).takeUnretainedValue().method
    do {
        try body(method)
        return FL_OK
    } catch {
        return report(error, errorBuffer)
    }
}
