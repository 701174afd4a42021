using System.Text.Json;

namespace Ogrt.Outputs.File.Tests;

/// <summary>Reads back what a File output wrote, checking that every line is one JSON record.</summary>
internal static class OutputFiles
{
    /// <summary>The .jsonl files of the directory in plain ordinal name order.</summary>
    public static string[] List(string directory) =>
        [.. Directory.GetFiles(directory, "*.jsonl").Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).Cast<string>()];

    /// <summary>The pids of the records in one file, in line order; fails on any line that is not a whole record.</summary>
    public static List<int> Pids(string path)
    {
        var bytes = System.IO.File.ReadAllBytes(path);
        if (bytes.Length > 0)
            Assert.That(bytes[^1], Is.EqualTo((byte)'\n'), $"{path} does not end with a complete line");

        var pids = new List<int>();
        var rest = bytes.AsSpan();
        while (rest.Length > 0)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = rest[..end];
            using (var document = JsonDocument.Parse(line.ToArray()))
            {
                Assert.That(document.RootElement.ValueKind, Is.EqualTo(JsonValueKind.Object));
                Assert.That(document.RootElement.GetProperty("binpath").GetString(), Is.EqualTo("/opt/gcc/13.2/bin/g++"));
                pids.Add(document.RootElement.GetProperty("pid").GetInt32());
            }
            rest = rest[(end + 1)..];
        }
        return pids;
    }

    /// <summary>The pids of every file of the directory, files in name order.</summary>
    public static List<int> AllPids(string directory) =>
        [.. List(directory).SelectMany(name => Pids(Path.Combine(directory, name)))];
}
