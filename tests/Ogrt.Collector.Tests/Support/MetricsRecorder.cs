using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Ogrt.Collector.Tests.Support;

/// <summary>
/// Sums the measurements of one meter instance (one collector host) by instrument and tags,
/// so parallel hosts in the same process do not mix.
/// </summary>
internal sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _sums = new();

    public MetricsRecorder(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            _sums.AddOrUpdate(Key(instrument.Name, tags), value, (_, sum) => sum + value);
            _sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value);
        });
        _listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) =>
            _sums.AddOrUpdate(instrument.Name + "#count", 1, (_, count) => count + 1));
        _listener.Start();
    }

    /// <summary>The sum of an instrument over every measurement whose tags include all of <paramref name="tags"/>.</summary>
    public long Sum(string instrument, params (string Key, string Value)[] tags)
    {
        if (tags.Length == 0)
            return _sums.GetValueOrDefault(instrument);
        var wanted = tags.Select(tag => $",{tag.Key}={tag.Value},").ToArray();
        return _sums
            .Where(entry => entry.Key.StartsWith(instrument + "|", StringComparison.Ordinal)
                            && wanted.All(tag => entry.Key.Contains(tag, StringComparison.Ordinal)))
            .Sum(entry => entry.Value);
    }

    /// <summary>How many values a histogram recorded.</summary>
    public long Count(string histogram) => _sums.GetValueOrDefault(histogram + "#count");

    public void Dispose() => _listener.Dispose();

    private static string Key(string instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var parts = new List<string>(tags.Length);
        foreach (var tag in tags)
            parts.Add($"{tag.Key}={tag.Value}");
        parts.Sort(StringComparer.Ordinal);
        // "name|,key=value,key=value," so a tag can be matched with its delimiters.
        return $"{instrument}|,{string.Join(",", parts)},";
    }
}
