using System.Diagnostics;
using System.Text.Json;

namespace Ogrt.Outputs.Splunk.Tests;

/// <summary>What a receiver wrote to its file: the records by pid, and lines that are not records.</summary>
public sealed class ReceivedLines
{
    private ReceivedLines(List<int> pids, List<string> unreadable, List<string> lines)
    {
        Pids = pids;
        Unreadable = unreadable;
        Lines = lines;
    }

    public List<int> Pids { get; }

    public List<string> Unreadable { get; }

    public List<string> Lines { get; }

    public static ReceivedLines Read(string file)
    {
        var pids = new List<int>();
        var unreadable = new List<string>();
        var lines = File.Exists(file) ? File.ReadAllLines(file).Where(line => line.Length > 0).ToList() : [];
        foreach (string line in lines)
        {
            try
            {
                using var record = JsonDocument.Parse(line);
                pids.Add(record.RootElement.GetProperty("pid").GetInt32());
            }
            catch (JsonException)
            {
                unreadable.Add(line);
            }
        }
        return new ReceivedLines(pids, unreadable, lines);
    }

    /// <summary>Polls the file until every pid of <paramref name="expected"/> is in it (or a minute passed).</summary>
    public static ReceivedLines WaitFor(string file, IEnumerable<int> expected)
    {
        var wanted = expected.ToHashSet();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var received = Read(file);
            if (wanted.IsSubsetOf(received.Pids) || deadline.Elapsed > TimeSpan.FromSeconds(60))
                return received;
            Thread.Sleep(50);
        }
    }
}
