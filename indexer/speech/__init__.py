"""Speech, below the transcriber: audio read in bounded blocks, where speech is (VAD), what
the decoder left out (coverage), whose voice is where (voices), and who those voices are
(attribution).

numpy only, except `audio` which needs PyAV and Silero VAD (both come with faster-whisper,
the optional ``asr`` extra); nothing here is imported by corpus reading, indexing or search.
"""
