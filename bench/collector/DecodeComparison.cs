using System.Diagnostics;
using Ogrt.Collector.Decoding;
using Ogrt.Protocol;

namespace Ogrt.Bench.Collector;

/// <summary>
/// The collector's wire decoder against the parser generated from ogrt.proto (which allocates
/// every string and list), on the same corpus, in interleaved rounds: time and bytes allocated
/// per datagram, and the median of the per-round time ratios.
/// </summary>
internal static class DecodeComparison
{
    public static void Run(int rounds, CorpusShape shape)
    {
        const int CorpusSize = 4096;
        const int PerRound = 200_000;
        var corpus = new byte[CorpusSize][];
        for (int i = 0; i < CorpusSize; i++)
            corpus[i] = DatagramCorpus.Create(i + 1, shape);
        var decoder = new RecordDecoder();

        double Decoder(int count)
        {
            for (int i = 0; i < count; i++)
                decoder.TryDecode(corpus[i % CorpusSize], DateTimeOffset.UnixEpoch, "10.0.0.1", out _, out _, out _);
            return count;
        }

        double Generated(int count)
        {
            for (int i = 0; i < count; i++)
                ProcessInfo.Parser.ParseFrom(corpus[i % CorpusSize].AsSpan(MessageFrame.HeaderSize));
            return count;
        }

        Measure(Decoder, 20_000);
        Measure(Generated, 20_000);
        var decoderTimes = new List<double>();
        var generatedTimes = new List<double>();
        var decoderBytes = new List<double>();
        var generatedBytes = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            var (decoderMicros, decoderAllocated) = Measure(Decoder, PerRound);
            var (generatedMicros, generatedAllocated) = Measure(Generated, PerRound);
            decoderTimes.Add(decoderMicros);
            generatedTimes.Add(generatedMicros);
            decoderBytes.Add(decoderAllocated);
            generatedBytes.Add(generatedAllocated);
        }
        var ratios = decoderTimes.Zip(generatedTimes, (d, g) => d / g).ToList();
        Console.WriteLine($"datagram {corpus[0].Length} bytes, {rounds} interleaved rounds of {PerRound:N0}");
        Console.WriteLine($"RecordDecoder (to ProcessRecord):        median {Median(decoderTimes):F2} µs, {Median(decoderBytes):F0} B allocated per datagram");
        Console.WriteLine($"generated parser (ProcessInfo only):     median {Median(generatedTimes):F2} µs, {Median(generatedBytes):F0} B allocated per datagram");
        Console.WriteLine($"median per-round time ratio decoder/generated: {Median(ratios):F2}");
    }

    private static (double MicrosPerItem, double BytesPerItem) Measure(Func<int, double> run, int count)
    {
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        run(count);
        double micros = clock.Elapsed.TotalMicroseconds / count;
        return (micros, (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (double)count);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
