using CsCheck;
using LlmProxy.Testing;

namespace LlmProxy.Fuzz;

/// <summary>A seed: a valid input as the parser meets it in use, from the repository's fixtures or Seeds/.</summary>
internal sealed record Seed(string Name, byte[] Bytes);

/// <summary>
/// A parser under fuzzing: its seeds, where their JSON lies, and how to run one input through it. Run returns true
/// when the parser accepted the input, false when it refused it the documented way (a 400, a provider error, a config
/// error); anything it throws is a failure.
/// </summary>
internal sealed record FuzzTarget(string Name, string Parser, Seed[] Seeds, JsonRegions Regions, Func<FuzzInput, bool> Run)
{
    /// <summary>Prepares the mutated bytes for the parser (the event-stream targets encode lines into frames).</summary>
    public Func<byte[], byte[]>? Encode { get; init; }

    /// <summary>True for answer parsers, which refuse the fixtures recording a failed answer (cut off, or an error).</summary>
    public bool RefusesRecordedFailures { get; init; }

    public Gen<FuzzInput> Inputs => Gen.Select(Gen.Int[0, Seeds.Length - 1], Mutator.Edit.Array[0, 4], Gen.Enum<Arrival>(), Gen.Int[0, int.MaxValue],
        (seed, edits, arrival, knob) =>
        {
            var bytes = Mutator.Apply(Seeds[seed].Bytes, edits, Regions);
            return new FuzzInput(Seeds[seed].Name, edits, Encode is null ? bytes : Encode(bytes), arrival, knob);
        });

    public override string ToString() => Name;

    /// <summary>Files under a folder of the repository, as seeds.</summary>
    public static Seed[] Files(string folder, string pattern = "*") =>
        [.. Directory.GetFiles(Path.Combine(RepositoryRoot.Path, folder), pattern).Order().Select(file => new Seed(Path.GetFileName(file), File.ReadAllBytes(file)))];
}
