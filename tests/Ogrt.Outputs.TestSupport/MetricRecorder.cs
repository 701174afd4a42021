using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Ogrt.Outputs.TestSupport;

/// <summary>Sums every measurement of one meter by instrument name (and by reason tag).</summary>
public sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, double> _sums = new();
    private readonly ConcurrentDictionary<string, long> _counts = new();

    public MetricRecorder(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>The sum of an instrument's measurements, e.g. <c>ogrt.elasticsearch.records.sent</c>.</summary>
    public double Sum(string instrument) => _sums.GetValueOrDefault(instrument);

    /// <summary>The sum of the measurements tagged <c>reason=<paramref name="reason"/></c>.</summary>
    public double Sum(string instrument, string reason) => _sums.GetValueOrDefault($"{instrument}|{reason}");

    /// <summary>How many measurements an instrument took (e.g. requests for a histogram).</summary>
    public long Count(string instrument) => _counts.GetValueOrDefault(instrument);

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        bool tagged = false;
        foreach (var tag in tags)
        {
            if (tag.Key == "output" && Equals(tag.Value, "Test"))
                tagged = true;
            if (tag.Key == "reason")
                _sums.AddOrUpdate($"{instrument.Name}|{tag.Value}", value, (_, sum) => sum + value);
        }
        if (!tagged)
            throw new InvalidOperationException($"{instrument.Name} was measured without the output's tags.");
        _sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value);
        _counts.AddOrUpdate(instrument.Name, 1, (_, count) => count + 1);
    }
}
