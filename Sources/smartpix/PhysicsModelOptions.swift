import ArgumentParser
import ReadoutSim

/// Which field and weighting potential the physics chain uses: the analytic models, or
/// PixelAV's TCAD maps from the reference data (for comparisons with PixelAV).
struct PhysicsModelOptions: ParsableArguments {
    @Option(
        help:
            "Weighting potential: 'cell' (pad in a 5 x 5-pixel cell, default), 'pad' (pad in an infinite array) or 'pixelav' (the TCAD map in the reference data)."
    )
    var potential: PotentialChoice = .cell

    @Option(
        help: ArgumentHelp(
            "Drift field: 'linear' (default) or 'pixelav' (the centre line of the TCAD map in the reference data).",
            discussion: "'linear' is linear in depth across the depleted bulk between the implants (--implant-depth, 2 um by default)."))
    var field: FieldChoice = .linear

    @Option(help: "Reference data folder (default: ../shared/reference beside the package).")
    var reference: String?

    enum PotentialChoice: String, ExpressibleByArgument, CaseIterable { case cell, pad, pixelav }
    enum FieldChoice: String, ExpressibleByArgument, CaseIterable { case linear, pixelav }

    /// Sets `settings.potential` and `settings.field` for its sensor geometry.
    func apply(to settings: inout SimulationSettings) throws {
        let geometry = settings.sensor.geometry
        switch potential {
        case .cell: break
        case .pad: settings.potential = .pad(geometry)
        case .pixelav:
            let folder = try ReferenceFolder.locate(reference, for: "--potential pixelav")
            settings.potential = try WeightingPotential.map(npz: folder + "/pixelav-maps/pixelav-weighting.npz", geometry: geometry)
        }
        if field == .pixelav {
            let folder = try ReferenceFolder.locate(reference, for: "--field pixelav")
            settings.field = try ElectricField.map(npz: folder + "/pixelav-maps/pixelav-efield.npz", thickness: geometry.thickness)
        }
    }

    /// One line naming the models in use; `implants: false` where the sensor's conditions,
    /// which name a non-default implant depth, are printed beside it.
    static func describe(_ settings: SimulationSettings, implants: Bool = true) -> String {
        let depth = implants ? ", implants \(settings.sensor.conditions.implantDepth.formatted()) um" : ""
        let field = settings.field == nil ? "linear field" + depth : "PixelAV map field"
        return "weighting potential: \(settings.potential?.source ?? "pad in a 5 x 5-pixel cell"), \(field)"
    }
}
